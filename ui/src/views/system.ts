import type { LintFinding } from '../../../src/workflows/analysis/lint.js';
import type { NamespaceSummary } from '../../../src/workflows/analysis/system-overview.js';
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { sourceLink } from '../explain.js';
import type { ViewContext } from '../main.js';

function finding(f: LintFinding): HTMLElement {
  return h(
    'li',
    { class: `finding ${f.severity}` },
    h('span', { class: `sev ${f.severity}` }, f.severity),
    ' ',
    sourceLink(f.source.file, f.source.line),
    ` ${f.message} `,
    h('span', { class: 'muted' }, `(${f.ruleId})`),
  );
}

function namespaceCard(ns: NamespaceSummary): HTMLElement {
  return h(
    'li',
    { class: 'ns-card', 'data-namespace': ns.name },
    h(
      'div',
      { class: 'ns-head' },
      h('a', { href: `#/graph?ns=${encodeURIComponent(ns.name)}`, class: 'ns-name' }, ns.name),
      ns.escapeHatch
        ? h(
            'span',
            { class: 'badge danger', title: 'the escape-hatch label disables enforcement in git' },
            'enforcement disabled',
          )
        : null,
      ns.grants.map((g) => h('span', { class: 'badge grant', title: `access grant ${g}` }, g)),
    ),
    h(
      'div',
      { class: 'ns-meta' },
      sourceLink(ns.file, ns.line),
      ' · ',
      h('a', { href: `#/what-if?namespace=${encodeURIComponent(ns.name)}` }, 'what if…'),
    ),
    ns.findings.length > 0 ? h('ul', { class: 'findings' }, ns.findings.map(finding)) : null,
  );
}

/** The system view: namespaces by profile with grant badges, platform namespaces apart, escape hatch, lint. */
export async function renderSystem(
  main: HTMLElement,
  _params: URLSearchParams,
  _ctx: ViewContext,
): Promise<void> {
  const s = await api.system();
  const section = (title: string, id: string, ...body: Parameters<typeof h>[2][]) =>
    h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...body);
  replace(
    main,
    h(
      'p',
      { class: 'summary' },
      s.domain ? ['Label domain ', h('code', null, s.domain), '. '] : 'No profile policies found. ',
      `${s.errorCount} lint error(s), ${s.warningCount} warning(s), ${s.diagnostics.length} input diagnostic(s).`,
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        { class: 'col' },
        s.profiles.map((p) =>
          section(
            `Profile ${p.name}`,
            `profile-${p.name}`,
            h(
              'p',
              { class: 'muted' },
              `${p.namespaces.length} namespace(s) · `,
              p.policies.map((r) => h('span', null, `${r.name} `, sourceLink(r.file, r.line), ' ')),
            ),
            p.namespaces.length > 0
              ? h('ul', { class: 'ns-list' }, p.namespaces.map(namespaceCard))
              : h('p', { class: 'muted' }, 'No namespace carries it.'),
          ),
        ),
        s.unprofiled.length > 0
          ? section(
              'Application namespaces without a known profile',
              'unprofiled',
              h('ul', { class: 'ns-list' }, s.unprofiled.map(namespaceCard)),
            )
          : null,
      ),
      h(
        'div',
        { class: 'col' },
        section(
          'Platform namespaces',
          'platform',
          h('p', { class: 'muted' }, 'Their own policies, never a profile.'),
          h('ul', { class: 'ns-list' }, s.platform.map(namespaceCard)),
        ),
        section(
          'Access grants',
          'grants',
          h(
            'table',
            { class: 'plain' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col' }, 'grant'),
                h('th', { scope: 'col' }, 'opens'),
                h('th', { scope: 'col' }, 'policy'),
              ),
            ),
            h(
              'tbody',
              null,
              s.grants.map((g) =>
                h(
                  'tr',
                  null,
                  h(
                    'td',
                    null,
                    h('span', { class: 'badge grant' }, g.name),
                    h('div', { class: 'muted small' }, g.label),
                  ),
                  h('td', null, g.resources.map((r) => `${r.peer}:${r.ports.join(',')}`).join('; ')),
                  h(
                    'td',
                    null,
                    g.policies.map((r) => sourceLink(r.file, r.line)),
                  ),
                ),
              ),
            ),
          ),
        ),
        section(
          'Escape hatch',
          'escape-hatch',
          s.escapeHatch
            ? [
                h(
                  'p',
                  null,
                  h('code', null, `${s.escapeHatch.label}=${s.escapeHatch.value}`),
                  ' turns enforcement off. ',
                  s.escapeHatch.policies.map((r) => sourceLink(r.file, r.line)),
                ),
                h(
                  'p',
                  { class: s.escapeHatch.disabledIn.length > 0 ? 'error' : 'ok' },
                  s.escapeHatch.disabledIn.length > 0
                    ? `Disabled in git for: ${s.escapeHatch.disabledIn.join(', ')}`
                    : 'Enforcement is on in every namespace.',
                ),
              ]
            : h('p', { class: 'muted' }, 'No escape-hatch policy found.'),
        ),
        section(
          'Baselines',
          'baselines',
          h(
            'ul',
            { class: 'plain-list' },
            s.baselines.map((b) => h('li', null, `${b.name} `, sourceLink(b.file, b.line))),
          ),
        ),
        section(
          'Lint findings in policies and other files',
          'lint',
          s.policiesWithFindings.length + s.otherFindings.length === 0
            ? h('p', { class: 'ok' }, 'None outside the namespaces above.')
            : [
                s.policiesWithFindings.map((p) =>
                  h(
                    'div',
                    null,
                    h('h3', null, `${p.kind}/${p.namespace ? `${p.namespace}/` : ''}${p.name}`),
                    h('ul', { class: 'findings' }, p.findings.map(finding)),
                  ),
                ),
                s.otherFindings.length > 0
                  ? h('ul', { class: 'findings' }, s.otherFindings.map(finding))
                  : null,
              ],
          s.diagnostics.length > 0
            ? [
                h('h3', null, 'Input diagnostics'),
                h(
                  'ul',
                  { class: 'findings' },
                  s.diagnostics.map((d) =>
                    h(
                      'li',
                      { class: `finding ${d.severity}` },
                      h('span', { class: `sev ${d.severity}` }, d.severity),
                      ' ',
                      d.source ? sourceLink(d.source.file, d.source.line) : null,
                      ` ${d.code} ${d.message}`,
                    ),
                  ),
                ),
              ]
            : null,
        ),
      ),
    ),
  );
}
