import type { RuleRefJson, SideJson, TraceAnswer } from './api.js';
import { api } from './api.js';
import { h } from './dom.js';

function policyName(r: RuleRefJson): string {
  return `${r.kind}/${r.namespace === '' ? '' : `${r.namespace}/`}${r.name}`;
}

/** A `file:line` button that opens the file at that line in the source dialog. */
export function sourceLink(file: string, line: number): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'link source-link',
      title: `show ${file} at line ${line}`,
      onclick: () => void showSource(file, line),
    },
    `${file}:${line}`,
  );
}

/** Opens the source dialog on `file`, scrolled to and marking `line`. */
export async function showSource(file: string, line: number): Promise<void> {
  const dialog = document.getElementById('source-view') as HTMLDialogElement;
  const title = document.getElementById('source-view-title') as HTMLElement;
  const pre = document.getElementById('source-view-text') as HTMLElement;
  title.textContent = `${file}:${line}`;
  pre.replaceChildren('loading…');
  if (!dialog.open) dialog.showModal();
  try {
    const { text } = await api.file(file);
    const lines = text.split('\n');
    pre.replaceChildren(
      ...lines.map((l, i) =>
        h(
          'span',
          { class: i + 1 === line ? 'src-line current' : 'src-line', 'data-line': i + 1 },
          h('span', { class: 'ln', 'aria-hidden': 'true' }, String(i + 1).padStart(4)),
          ` ${l}\n`,
        ),
      ),
    );
    pre.querySelector('.current')?.scrollIntoView({ block: 'center' });
  } catch (e) {
    pre.replaceChildren(`Cannot show ${file}: ${(e as Error).message}`);
  }
}

function ruleItem(mark: string, verb: string, r: RuleRefJson): HTMLElement {
  return h(
    'li',
    { class: verb },
    `${mark} ${verb} by `,
    h('strong', null, policyName(r)),
    ` ${r.rule} `,
    sourceLink(r.file, r.line),
    r.notes.length > 0 ? h('span', { class: 'muted' }, ` [${r.notes.join('; ')}]`) : null,
  );
}

function side(title: string, s: SideJson): HTMLElement {
  const selected =
    s.enforced && s.allowedBy.length === 0 && s.deniedBy.length === 0 && s.selectedBy.length > 0
      ? h(
          'li',
          null,
          'selected by: ',
          s.selectedBy.map((r) => h('span', null, `${policyName(r)} `, sourceLink(r.file, r.line), ' ')),
        )
      : null;
  const closest =
    s.closest !== undefined && s.closest.rules.length > 0
      ? h(
          'li',
          { class: 'closest' },
          'closest rules (the peer matches, the port or protocol does not):',
          h(
            'ul',
            null,
            s.closest.rules.map((r) =>
              h(
                'li',
                null,
                '· ',
                h('strong', null, policyName(r)),
                ` ${r.rule} admits ${r.nothing !== undefined ? `nothing: ${r.nothing}` : `${r.admits.join(', ')} only`} `,
                sourceLink(r.file, r.line),
              ),
            ),
            s.closest.more > 0 ? h('li', { class: 'muted' }, `… and ${s.closest.more} more`) : null,
          ),
        )
      : null;
  return h(
    'section',
    { class: 'side' },
    h(
      'h4',
      null,
      `${title}: `,
      h('span', { class: `verdict ${s.verdict}` }, s.verdict),
      s.enforced ? ' (enforced)' : ' (not enforced)',
    ),
    h(
      'ul',
      null,
      s.reasons.map((r) => h('li', { class: 'reason' }, r)),
      s.deniedBy.map((r) => ruleItem('✗', 'denied', r)),
      s.allowedBy.map((r) => ruleItem('✓', 'allowed', r)),
      selected,
      closest,
    ),
  );
}

/** The verdict's explanation: both sides with the rules that decided them (file:line), and caveats. */
export function explanation(answer: TraceAnswer): HTMLElement {
  const t = answer.trace;
  const port = t.protocol.startsWith('ICMP') ? `${t.protocol} type ${t.port}` : `${t.port}/${t.protocol}`;
  return h(
    'div',
    { class: 'explanation', 'data-verdict': t.verdict },
    h(
      'h3',
      null,
      h('span', { class: `verdict ${t.verdict}` }, t.verdict.toUpperCase()),
      ` ${t.source} → ${t.destination} ${port}`,
    ),
    side(`egress of ${t.source} (source)`, t.egress),
    side(`ingress of ${t.destination} (destination)`, t.ingress),
    t.caveats.length > 0
      ? h(
          'ul',
          { class: 'caveats' },
          t.caveats.map((c) => h('li', null, `warning: ${c}`)),
        )
      : null,
  );
}
