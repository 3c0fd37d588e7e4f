import { describe, expect, it } from 'vitest';
import { type BatchLine, parseBatchLine } from '../../../src/workflows/analysis/trace.js';

// The batch line takes the L7 request in the words of `netpol trace`'s own flags (README, `netpol trace --batch`).
describe('parseBatchLine', () => {
  it.each<[string, BatchLine]>([
    ['', { ok: true, request: null }],
    ['   # only a comment', { ok: true, request: null }],
    [
      'billing database 5432',
      { ok: true, request: { source: 'billing', destination: 'database', port: '5432' } },
    ],
    [
      'docs\tdatabase\t5432\tTCP  # tabs, protocol, comment',
      { ok: true, request: { source: 'docs', destination: 'database', port: '5432', protocol: 'TCP' } },
    ],
    [
      'shop/app=web shop/app=api 80 --http GET /public/a',
      {
        ok: true,
        request: {
          source: 'shop/app=web',
          destination: 'shop/app=api',
          port: '80',
          http: { method: 'GET', path: '/public/a', headers: [] },
        },
      },
    ],
    [
      `shop/app=web shop/app=api 80 TCP --http POST /x --http-host api.shop --http-header 'X-Env: prod' --http-header "X-Quote: \\"a\\" b"`,
      {
        ok: true,
        request: {
          source: 'shop/app=web',
          destination: 'shop/app=api',
          port: '80',
          protocol: 'TCP',
          http: { method: 'POST', path: '/x', host: 'api.shop', headers: ['X-Env: prod', 'X-Quote: "a" b'] },
        },
      },
    ],
    [
      'shop/app=api kube-system/k8s-app=kube-dns 53 UDP --dns www.example.com',
      {
        ok: true,
        request: {
          source: 'shop/app=api',
          destination: 'kube-system/k8s-app=kube-dns',
          port: '53',
          protocol: 'UDP',
          dns: 'www.example.com',
        },
      },
    ],
    // PORT/PROTOCOL in one word, as who-can-reach and Kubernetes write it (fresh-user-3 #17).
    [
      'billing database 5432/TCP',
      { ok: true, request: { source: 'billing', destination: 'database', port: '5432', protocol: 'TCP' } },
    ],
    [
      'billing database 5432/TCP UDP',
      {
        ok: false,
        error: 'the protocol is given twice ("5432/TCP" and "UDP"): write PORT PROTOCOL or PORT/PROTOCOL',
      },
    ],
    [
      'billing nowhere',
      { ok: false, error: 'expected SOURCE DESTINATION PORT [PROTOCOL] (or PORT/PROTOCOL, e.g. 5432/TCP)' },
    ],
    [
      'a b 1 TCP extra',
      { ok: false, error: 'expected SOURCE DESTINATION PORT [PROTOCOL] (or PORT/PROTOCOL, e.g. 5432/TCP)' },
    ],
    [
      'a b --http GET /',
      { ok: false, error: 'expected SOURCE DESTINATION PORT [PROTOCOL] (or PORT/PROTOCOL, e.g. 5432/TCP)' },
    ],
    ['a b 80 --http GET', { ok: false, error: '--http takes METHOD PATH, e.g. --http GET /api/v1' }],
    ['a b 80 --http GET --dns x', { ok: false, error: '--http takes METHOD PATH, e.g. --http GET /api/v1' }],
    ['a b 80 --http GET / --http PUT /', { ok: false, error: '--http is given twice' }],
    ['a b 53 UDP --dns', { ok: false, error: '--dns takes a value' }],
    [
      'a b 80 --http-host api.shop',
      {
        ok: false,
        error: '--http-host and --http-header describe an --http request: add --http METHOD PATH',
      },
    ],
    [
      'a b 80 --port 81',
      {
        ok: false,
        error:
          'unknown option "--port": batch lines take --http METHOD PATH, --http-host HOST, --http-header NAME:VALUE (repeatable) and --dns NAME after the flow',
      },
    ],
    [`a b 80 --http GET / --http-header 'X: 1`, { ok: false, error: "unclosed ' quote" }],
  ])('%j', (line, expected) => {
    expect(parseBatchLine(line)).toEqual(expected);
  });
});
