import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveKubeconfig } from '../../src/cluster/kubeconfig.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-kubeconfig-'));
  dirs.push(d);
  return d;
}

/** A kubeconfig with one context per entry: `[context, cluster server, user token]`. */
function kubeconfig(contexts: [string, string, string][], current?: string, extra = ''): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...contexts.map(
      ([c, server]) =>
        `- name: ${c}\n  cluster:\n    server: ${server}\n    certificate-authority: ca/${c}.crt`,
    ),
    'users:',
    ...contexts.map(([c, , token]) => `- name: ${c}-user\n  user:\n    token: ${token}`),
    'contexts:',
    ...contexts.map(([c]) => `- name: ${c}\n  context:\n    cluster: ${c}\n    user: ${c}-user`),
    ...(current ? [`current-context: ${current}`] : []),
    extra,
  ].join('\n');
}

// kubectl's rules: k8s.io/client-go/tools/clientcmd/loader.go (ClientConfigLoadingRules.Load: "the first
// file to set a particular map key wins", current-context from the first file that sets it, relative
// paths resolved against the file that holds them; missing $KUBECONFIG entries skipped).
describe('resolveKubeconfig', () => {
  it('merges the $KUBECONFIG list as kubectl does: the first definition and the first current-context win', () => {
    const d = tmp();
    const a = path.join(d, 'a');
    const b = path.join(tmp(), 'b');
    fs.writeFileSync(a, kubeconfig([['dev', 'https://dev.example:6443', 'a-token']], 'dev'));
    fs.writeFileSync(
      b,
      kubeconfig(
        [
          ['dev', 'https://other.example:6443', 'b-token'],
          ['live', 'https://live.example:6443', 'live-token'],
        ],
        'live',
      ),
    );
    const env = { KUBECONFIG: [a, path.join(d, 'missing'), b].join(path.delimiter) };
    const dev = resolveKubeconfig({ env });
    expect([dev.context, dev.server, dev.user, dev.files]).toEqual([
      'dev',
      'https://dev.example:6443',
      'dev-user',
      [a, b],
    ]);
    expect(dev.config.getCurrentUser()?.token).toBe('a-token');
    expect(dev.config.getCurrentCluster()?.caFile).toBe(path.join(d, 'ca/dev.crt'));
    const live = resolveKubeconfig({ env, context: 'live' });
    expect([live.context, live.server]).toEqual(['live', 'https://live.example:6443']);
    expect(live.config.getCurrentCluster()?.caFile).toBe(path.join(path.dirname(b), 'ca/live.crt'));
  });

  it('--kubeconfig alone is read, $KUBECONFIG ignored; without either, ~/.kube/config', () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, '.kube'));
    fs.writeFileSync(
      path.join(d, '.kube/config'),
      kubeconfig([['home', 'https://home.example', 't']], 'home'),
    );
    const only = path.join(d, 'only');
    fs.writeFileSync(only, kubeconfig([['only', 'https://only.example', 't']], 'only'));
    expect(
      resolveKubeconfig({ kubeconfig: only, env: { KUBECONFIG: path.join(d, '.kube/config') } }).context,
    ).toBe('only');
    expect(resolveKubeconfig({ env: { HOME: d } }).context).toBe('home');
  });

  it('in a pod without a kubeconfig, the service-account config', () => {
    const sa = tmp();
    fs.writeFileSync(path.join(sa, 'token'), 'sa-token');
    fs.writeFileSync(path.join(sa, 'ca.crt'), 'ca');
    const r = resolveKubeconfig({
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: tmp() },
      serviceAccountDir: sa,
    });
    expect([r.context, r.server, r.files]).toEqual(['in-cluster', 'https://10.96.0.1:443', []]);
    expect(r.config.getCurrentCluster()?.caFile).toBe(path.join(sa, 'ca.crt'));
    expect(r.config.getCurrentUser()?.authProvider).toEqual({
      name: 'tokenFile',
      config: { tokenFile: path.join(sa, 'token') },
    });
  });

  it.each([
    [{ env: {} }, 'No kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a pod.'],
    [
      { kubeconfig: '/nonexistent/kubeconfig', env: {} },
      'The kubeconfig "/nonexistent/kubeconfig" does not exist.',
    ],
  ])('fails with one line: %j', (options, message) => {
    expect(() => resolveKubeconfig(options)).toThrow(message);
  });

  it('an unknown context names the known ones', () => {
    const f = path.join(tmp(), 'c');
    fs.writeFileSync(f, kubeconfig([['dev', 'https://dev.example', 't']], 'dev'));
    expect(() => resolveKubeconfig({ kubeconfig: f, env: {}, context: 'prod' })).toThrow(
      expect.objectContaining({
        code: 'NETPOL_CLUSTER_FAILED',
        message: 'The kubeconfig has no context "prod".',
        hint: 'Contexts: dev.',
      }),
    );
  });
});
