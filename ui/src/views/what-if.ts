import type { GraphEdge } from '../../../src/workflows/analysis/connectivity-graph.js';
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import type { ViewContext } from '../main.js';

function edgeList(edges: readonly GraphEdge[], kind: 'opened' | 'closed'): HTMLElement {
  if (edges.length === 0)
    return h('p', { class: 'muted' }, kind === 'opened' ? 'No path opens.' : 'No path closes.');
  return h(
    'ul',
    { class: `edges ${kind}`, id: `whatif-${kind}` },
    edges.map((e) => {
      const link = `#/trace?${new URLSearchParams({ ...e.trace, port: String(e.trace.port) }).toString()}`;
      return h(
        'li',
        { 'data-edge': e.id },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, kind === 'opened' ? '+ ' : '− '),
        `${e.trace.source} → ${e.trace.destination} ${e.label} `,
        h('span', { class: 'muted' }, `(${e.column}) `),
        h('a', { href: link }, 'trace'),
      );
    }),
  );
}

/** The what-if view: another profile or other grants for a namespace, the paths that open and close, the patch. */
export async function renderWhatIf(
  main: HTMLElement,
  params: URLSearchParams,
  ctx: ViewContext,
): Promise<void> {
  const system = await api.system();
  const all = [...system.profiles.flatMap((p) => p.namespaces), ...system.unprofiled, ...system.platform];
  const namespace = params.get('namespace') ?? all.find((n) => !n.platform)?.name ?? all[0]?.name ?? '';
  const current = all.find((n) => n.name === namespace);
  const profile = params.get('profile') ?? current?.profile ?? '';
  const grants = new Set(
    params.has('grants') ? (params.get('grants') ?? '').split(',').filter((g) => g) : (current?.grants ?? []),
  );
  const result = h('div', { id: 'whatif-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'whatif-form', id: 'whatif-form' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'wi-namespace' }, 'Namespace'),
      h(
        'select',
        {
          id: 'wi-namespace',
          onchange: (e: Event) =>
            (location.hash = `#/what-if?namespace=${encodeURIComponent((e.target as HTMLSelectElement).value)}`),
        },
        all.map((n) =>
          h(
            'option',
            { value: n.name, selected: n.name === namespace },
            `${n.name}${n.platform ? ' (platform)' : ''}`,
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'wi-profile' }, 'Profile'),
      h(
        'select',
        { id: 'wi-profile', name: 'profile' },
        current?.profile ? null : h('option', { value: '', selected: profile === '' }, '(none)'),
        ctx.meta.profiles.map((p) =>
          h(
            'option',
            { value: p, selected: p === profile },
            `${p}${p === current?.profile ? ' (current)' : ''}`,
          ),
        ),
      ),
    ),
    h(
      'fieldset',
      { class: 'field grants' },
      h('legend', null, 'Access grants'),
      ctx.meta.grants.map((g) =>
        h(
          'label',
          null,
          h('input', { type: 'checkbox', name: 'grant', value: g, checked: grants.has(g) }),
          ` ${g}`,
          current?.grants.includes(g) ? h('span', { class: 'muted' }, ' (current)') : null,
        ),
      ),
    ),
  );
  replace(
    main,
    h('h2', null, 'What if…'),
    h(
      'p',
      { class: 'muted' },
      'Change the profile or the access grants of a namespace: the paths that would open or close are computed by the engine on a what-if view of the repository; nothing is written.',
    ),
    form,
    result,
  );

  async function show(): Promise<void> {
    const data = new FormData(form);
    const p = String(data.get('profile') ?? '');
    const g = data.getAll('grant').map(String).sort();
    ctx.setQuery({
      namespace,
      profile: p === (current?.profile ?? '') ? '' : p,
      grants: g.join(',') === [...(current?.grants ?? [])].sort().join(',') ? '' : g.join(',') || ',',
    });
    replace(result, h('p', { class: 'muted' }, 'computing…'));
    try {
      const r = await api.whatIf({ namespace, ...(p !== '' ? { profile: p } : {}), grants: g.join(',') });
      const patch = r.patch;
      replace(
        result,
        h(
          'p',
          { class: 'summary', id: 'whatif-summary' },
          `${r.opened.length} path(s) open, ${r.closed.length} close.`,
        ),
        h(
          'div',
          { class: 'columns' },
          h('section', { class: 'col card' }, h('h3', null, 'Opens'), edgeList(r.opened, 'opened')),
          h('section', { class: 'col card' }, h('h3', null, 'Closes'), edgeList(r.closed, 'closed')),
        ),
        h('h3', null, 'Label patch to commit'),
        patch === null
          ? h('p', { class: 'muted' }, 'Nothing changes.')
          : patch.refusal
            ? h(
                'p',
                { class: 'error', role: 'alert' },
                `netpol namespace set would refuse: ${patch.refusal.message} ${patch.refusal.hint}`,
              )
            : [
                h('pre', { class: 'diff', id: 'whatif-patch' }, patch.diff),
                h(
                  'p',
                  { class: 'muted' },
                  'Or run: ',
                  h(
                    'code',
                    null,
                    `netpol namespace set ${namespace}${r.after.profile !== r.before.profile && r.after.profile ? ` --profile ${r.after.profile}` : ''}${r.after.grants
                      .filter((x) => !r.before.grants.includes(x))
                      .map((x) => ` --access ${x}`)
                      .join('')}${r.before.grants
                      .filter((x) => !r.after.grants.includes(x))
                      .map((x) => ` --remove-access ${x}`)
                      .join('')}`,
                  ),
                ),
              ],
      );
    } catch (e) {
      replace(result, h('p', { class: 'error', role: 'alert' }, (e as Error).message));
    }
  }
  form.addEventListener('change', (e) => {
    if ((e.target as HTMLElement).id !== 'wi-namespace') void show();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  await show();
}
