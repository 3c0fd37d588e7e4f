import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { explanation } from '../explain.js';
import type { ViewContext } from '../main.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ICMP', 'ICMPv6'];
/** The URL keys of the L7 request; `http-headers` holds one `NAME:VALUE` per line. */
const L7_KEYS = ['http-method', 'http-path', 'http-host', 'http-headers', 'dns'] as const;

/** A trace question as the form and the URL hold it. */
type TraceQuery = Record<'source' | 'destination' | 'port' | 'protocol' | (typeof L7_KEYS)[number], string>;

/** The trace form: the CLI's peer syntax, the answer as on the terminal and explained; state in the URL. */
export async function renderTrace(
  main: HTMLElement,
  params: URLSearchParams,
  ctx: ViewContext,
): Promise<void> {
  const value = (k: string, d = '') => params.get(k) ?? d;
  const field = (id: string, label: string, v: string, hint: string, required = true) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      h('input', {
        id,
        name: id,
        value: v,
        required,
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': `${id}-hint`,
      }),
      h('small', { id: `${id}-hint`, class: 'muted' }, hint),
    );
  const peers =
    'NS, NS/key=value[,key=value], world:IP, world:NAME[=IP], kube-apiserver, host[@NODE], remote-node[@NODE], health, ns:NAME';
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
    h(
      'details',
      { class: 'l7', open: L7_KEYS.some((k) => value(k) !== '') },
      h(
        'summary',
        null,
        'L7 request (optional): HTTP or DNS, as ',
        h('code', null, '--http'),
        ' or ',
        h('code', null, '--dns'),
      ),
      h(
        'div',
        { class: 'l7-fields' },
        field('http-method', 'HTTP method', value('http-method'), 'GET, POST … (with TCP)', false),
        field('http-path', 'HTTP path', value('http-path'), 'starts with /', false),
        field('http-host', 'HTTP host', value('http-host'), 'optional', false),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'http-headers' }, 'HTTP headers'),
          h(
            'textarea',
            {
              id: 'http-headers',
              name: 'http-headers',
              rows: 2,
              spellcheck: 'false',
              'aria-describedby': 'http-headers-hint',
            },
            value('http-headers'),
          ),
          h('small', { id: 'http-headers-hint', class: 'muted' }, 'one NAME:VALUE per line'),
        ),
        field(
          'dns',
          'DNS name',
          value('dns'),
          'a query name such as api.example.com (with UDP or TCP)',
          false,
        ),
      ),
    ),
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

  async function run(q: TraceQuery): Promise<void> {
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
    const text = (k: string) => String(data.get(k) ?? '').trim();
    void run({
      source: text('source'),
      destination: text('destination'),
      port: text('port'),
      protocol: String(data.get('protocol') ?? 'TCP'),
      'http-method': text('http-method'),
      'http-path': text('http-path'),
      'http-host': text('http-host'),
      'http-headers': text('http-headers'),
      dns: text('dns'),
    });
  });
  if (params.get('source') && params.get('destination') && params.get('port')) {
    await run({
      source: value('source'),
      destination: value('destination'),
      port: value('port'),
      protocol: value('protocol', 'TCP'),
      'http-method': value('http-method'),
      'http-path': value('http-path'),
      'http-host': value('http-host'),
      'http-headers': value('http-headers'),
      dns: value('dns'),
    });
  } else {
    (form.querySelector('#source') as HTMLInputElement).focus();
  }
}
