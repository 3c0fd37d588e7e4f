import { api, type DropGroupJson } from '../api.js';
import { h, replace } from '../dom.js';
import { sourceLink } from '../explain.js';
import type { ViewContext } from '../main.js';

function fixText(g: DropGroupJson): string {
  const f = g.fix;
  if (!f) return `none: ${g.fixReason ?? ''}`;
  switch (f.kind) {
    case 'add-label':
      return `add label ${String(f.label)}: "${String(f.value)}" to namespace ${f.namespace ?? ''}`;
    case 'set-profile':
      return `switch namespace ${f.namespace ?? ''} from profile ${String(f.from ?? '(none)')} to ${String(f.to)}`;
    case 'policy-change':
      return `add a rule to ${String(f.direction)} of CiliumNetworkPolicy ${f.namespace ?? ''}/${String(f.policy)}${f.newPolicy ? ' (new policy)' : ''}`;
    case 'missing-baseline':
      return `${String(f.purpose)}: baseline ${String(f.baseline ?? '(none in the repository)')}${f.inRepository ? ' is in git: check that the cluster runs it' : ''}`;
    default:
      return f.kind;
  }
}

/**
 * The drops view: with `--flows`, `--server` or `--watch`, the diagnosed drop groups, each with cause, fix and
 * the patch it writes; a Relay or a watcher is read again by Refresh.
 */
export async function renderDrops(
  main: HTMLElement,
  params: URLSearchParams,
  ctx: ViewContext,
): Promise<void> {
  const answer = await api.drops();
  if (!answer.available) {
    replace(
      main,
      h('h2', null, 'Drops'),
      h(
        'p',
        null,
        'No flows were given. Start the page with a capture of ',
        h('code', null, 'hubble observe -o json'),
        ', with a Hubble Relay, or with a running netpol watch:',
      ),
      h(
        'pre',
        { class: 'terminal' },
        'hubble observe --verdict DROPPED --since 1h -o json > flows.jsonl\nnetpol ui -R . --flows flows.jsonl\n\nnetpol ui -R . --server localhost:4245 --since 15m\n\nnetpol ui -R . --watch http://127.0.0.1:9090   # a running netpol watch',
      ),
    );
    return;
  }
  const r = answer.report;
  const diffs = new Map((r.fixes?.diffs ?? []).map((d) => [d.file, d.diff]));
  const applied = r.fixes?.applied ?? [];
  const patches = new Map((answer.patches ?? []).map((p) => [p.namespace, p]));
  const refused = [...(r.fixes?.refused ?? []), ...(answer.refused ?? [])];
  for (const p of answer.patches ?? []) {
    if (p.refusal !== null) refused.push({ namespace: p.namespace, reason: p.refusal });
  }
  /** The patch a group's fix writes: `drops --fix`'s (capture, Relay) or the what-if of its namespace (watch). */
  const patchOf = (ns: string | undefined): string | undefined => {
    if (ns === undefined) return undefined;
    const p = patches.get(ns);
    if (p) return p.diff !== '' ? p.diff : undefined;
    const change = applied.find((a) => a.namespace === ns);
    return change ? diffs.get(change.file) : undefined;
  };
  const whatIfLink = (ns: string | undefined) => {
    const p = ns === undefined ? undefined : patches.get(ns);
    if (!p || p.diff === '') return null;
    const q = new URLSearchParams({
      namespace: p.namespace,
      profile: p.profile ?? '',
      grants: p.grants.join(','),
    });
    return h(
      'p',
      null,
      h('a', { href: `#/what-if?${q.toString()}`, class: 'whatif-link' }, `What-if for ${p.namespace}`),
      h('span', { class: 'muted' }, ` (opens ${p.opened} path(s), closes ${p.closed})`),
    );
  };
  replace(
    main,
    h('h2', null, 'Drops'),
    h(
      'p',
      { class: 'summary' },
      `${r.policyDrops} policy drop(s) in ${r.groups.length} group(s) from ${r.source}`,
      answer.watch
        ? ` (netpol watch at ${answer.watch.url}${answer.watch.revision ? `, repository ${answer.watch.revision}` : ''}). `
        : '. ',
      ctx.meta.flowsLive
        ? h(
            'button',
            { type: 'button', id: 'drops-refresh', onclick: () => void renderDrops(main, params, ctx) },
            'Refresh',
          )
        : null,
    ),
    r.groups.length === 0
      ? h('p', { class: 'ok' }, 'No policy drops.')
      : h(
          'ol',
          { class: 'drops' },
          r.groups.map((g, i) => {
            const ns = g.fix?.namespace;
            const diff = patchOf(ns);
            const rule = g.fix?.kind === 'policy-change' ? String(g.fix.rule ?? '') : '';
            return h(
              'li',
              { class: 'card drop', 'data-group': i },
              h(
                'h3',
                null,
                `${g.source} → ${g.destination} ${g.port}/${g.protocol} `,
                h(
                  'span',
                  { class: 'muted' },
                  `${g.direction}, ${g.count}×${g.drift ? ', drift: git allows it' : ''}`,
                ),
              ),
              h('p', null, h('strong', null, 'Cause: '), g.cause),
              h('p', null, h('strong', null, 'Fix: '), fixText(g)),
              g.fix?.kind === 'policy-change' && typeof g.fix.file === 'string'
                ? h('p', null, 'in ', sourceLink(g.fix.file, 1))
                : null,
              diff
                ? [
                    h(
                      'p',
                      null,
                      h('strong', null, 'Patch '),
                      h(
                        'span',
                        { class: 'muted' },
                        answer.watch
                          ? '(the label change to commit, as netpol namespace set writes it)'
                          : '(what netpol drops --fix writes)',
                      ),
                    ),
                    h('pre', { class: 'diff' }, diff),
                    whatIfLink(ns),
                  ]
                : null,
              rule !== ''
                ? [
                    h(
                      'p',
                      null,
                      h('strong', null, 'Rule to add '),
                      h('span', { class: 'muted' }, `(at ${String(g.fix?.at ?? '')})`),
                    ),
                    h('pre', { class: 'diff' }, rule),
                  ]
                : null,
              g.caveats && g.caveats.length > 0
                ? h(
                    'ul',
                    { class: 'caveats' },
                    g.caveats.map((c) => h('li', null, `warning: ${c}`)),
                  )
                : null,
            );
          }),
        ),
    refused.length > 0
      ? h(
          'div',
          { class: 'card' },
          h('h3', null, answer.watch ? 'No patch' : 'Not written by --fix'),
          h(
            'ul',
            null,
            refused.map((x) => h('li', null, `${x.namespace}: ${x.reason}`)),
          ),
        )
      : null,
  );
}
