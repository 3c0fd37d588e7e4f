import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { explanation } from '../explain.js';
import type { ViewContext } from '../main.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ICMP', 'ICMPv6'];

/** The trace form: the CLI's peer syntax, the answer as on the terminal and explained; state in the URL. */
export async function renderTrace(
  main: HTMLElement,
  params: URLSearchParams,
  ctx: ViewContext,
): Promise<void> {
  const value = (k: string, d = '') => params.get(k) ?? d;
  const field = (id: string, label: string, v: string, hint: string) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      h('input', {
        id,
        name: id,
        value: v,
        required: true,
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': `${id}-hint`,
      }),
      h('small', { id: `${id}-hint`, class: 'muted' }, hint),
    );
  const peers =
    'NS, NS/key=value[,key=value], world:IP, world:NAME[=IP], kube-apiserver, host, remote-node, health, ns:NAME';
  const result = h('div', { id: 'trace-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'trace-form', id: 'trace-form' },
    field('source', 'Source', value('source'), peers),
    field('destination', 'Destination', value('destination'), 'same syntax as the source'),
    field('port', 'Port', value('port'), '1-65535 (ICMP: the type)'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'protocol' }, 'Protocol'),
      h(
        'select',
        { id: 'protocol', name: 'protocol' },
        PROTOCOLS.map((p) => h('option', { value: p, selected: p === value('protocol', 'TCP') }, p)),
      ),
    ),
    h('div', { class: 'field' }, h('button', { type: 'submit', class: 'primary' }, 'Trace')),
  );
  const namespaces = h(
    'datalist',
    { id: 'peers' },
    ctx.meta.namespaces.map((n) => h('option', { value: n })),
  );
  for (const id of ['source', 'destination']) form.querySelector(`#${id}`)?.setAttribute('list', 'peers');
  replace(
    main,
    h('h2', null, 'Trace a flow'),
    h(
      'p',
      { class: 'muted' },
      'The same question as ',
      h('code', null, 'netpol trace SOURCE DESTINATION --port N'),
      '. The URL of the answer can be shared.',
    ),
    form,
    namespaces,
    result,
  );

  async function run(q: {
    source: string;
    destination: string;
    port: string;
    protocol: string;
  }): Promise<void> {
    ctx.setQuery(q);
    replace(result, h('p', { class: 'muted' }, 'tracing…'));
    try {
      const answer = await api.trace(q);
      replace(
        result,
        h('h3', null, 'As on the terminal'),
        h('pre', { class: `terminal ${answer.trace.verdict}`, id: 'trace-text' }, answer.text),
        h('h3', null, 'Explained'),
        explanation(answer),
      );
    } catch (e) {
      const err = e as Error & { hint?: string };
      replace(
        result,
        h('p', { class: 'error', role: 'alert' }, `error: ${err.message}`),
        err.hint ? h('p', { class: 'muted' }, `hint: ${err.hint}`) : null,
      );
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    void run({
      source: String(data.get('source') ?? '').trim(),
      destination: String(data.get('destination') ?? '').trim(),
      port: String(data.get('port') ?? '').trim(),
      protocol: String(data.get('protocol') ?? 'TCP'),
    });
  });
  if (params.get('source') && params.get('destination') && params.get('port')) {
    await run({
      source: value('source'),
      destination: value('destination'),
      port: value('port'),
      protocol: value('protocol', 'TCP'),
    });
  } else {
    (form.querySelector('#source') as HTMLInputElement).focus();
  }
}
