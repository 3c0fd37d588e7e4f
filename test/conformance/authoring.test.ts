/**
 * What netpol writes validates against the official CRD schemas (`$NETPOL_CONFORMANCE_DIR/schemas`): the
 * example repository, the manifests of deploy/ (CiliumNetworkPolicy and PrometheusRule; the other kinds have no
 * schema there), the whole system `netpol init` renders, an access grant, a platform namespace, and
 * the renderers' own output. The behaviour of the same output is checked in the normal suite
 * (test/workflows/authoring/*, test/examples/schemas.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { newAccessGrant } from '../../src/workflows/authoring/access-new.js';
import { initSystem } from '../../src/workflows/authoring/init.js';
import { newPlatformNamespace } from '../../src/workflows/authoring/platform-new.js';
import { renderAccessPolicy, renderPlatformPolicy } from '../../src/workflows/authoring/render.js';
import { renderSystem } from '../../src/workflows/authoring/render-system.js';
import { DEFAULT_SYSTEM_OPTIONS } from '../../src/workflows/authoring/system-options.js';
import { type TempRepo, useRepo } from '../helpers/use-repo.js';
import { hasSchema, validateManifest } from './cilium-schema.js';
import { walkFiles } from './corpus.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/homelab');
/** Files read by netpol itself, not Kubernetes objects. */
const NON_MANIFESTS = new Set(['netpol.config.yaml', 'connectivity-tests.yaml']);

/** Validates every document of a text that has a schema; returns `file#index: error` lines and the count. */
function validateText(file: string, text: string): { errors: string[]; validated: number } {
  const errors: string[] = [];
  let validated = 0;
  parseAllDocuments(text).forEach((doc, i) => {
    const obj = doc.toJS() as unknown;
    if (!hasSchema(obj)) return;
    validated++;
    for (const e of validateManifest(obj)) errors.push(`${file}#${i}: ${e}`);
  });
  return { errors, validated };
}

/** Validates every YAML file below a root (netpol's own files left out). */
function validateTree(root: string): { errors: string[]; validated: number } {
  const out = { errors: [] as string[], validated: 0 };
  for (const abs of walkFiles(root).sort()) {
    const file = path.relative(root, abs).split(path.sep).join('/');
    if (!/\.ya?ml$/.test(file) || NON_MANIFESTS.has(file)) continue;
    const r = validateText(file, fs.readFileSync(abs, 'utf8'));
    out.errors.push(...r.errors);
    out.validated += r.validated;
  }
  return out;
}

function copyOf(dir: string): TempRepo {
  const repo = useRepo({});
  fs.cpSync(dir, repo.root, { recursive: true });
  return repo;
}

describe('output netpol writes or ships, against the official CRD schemas', () => {
  it('examples/homelab: every policy and alert', () => {
    const r = validateTree(EXAMPLE);
    expect(r.errors).toEqual([]);
    expect(r.validated).toBeGreaterThanOrEqual(29);
  });

  it("deploy/: the manifests netpol ships for its own deployment (the watcher's policy and alerts)", () => {
    const r = validateTree(path.resolve(import.meta.dirname, '../../deploy'));
    expect(r).toEqual({ errors: [], validated: 2 });
  });

  it('renderSystem and initSystem: the 29 schema-covered manifests of the default system', async () => {
    let validated = 0;
    for (const f of renderSystem(DEFAULT_SYSTEM_OPTIONS)) {
      if (f.path === 'netpol.config.yaml' || f.path.endsWith('.md')) continue;
      const r = validateText(f.path, f.text);
      expect(r.errors).toEqual([]);
      validated += r.validated;
    }
    expect(validated).toBe(29);
    const { root } = useRepo({});
    await initSystem({ root });
    expect(validateTree(root)).toEqual({ errors: [], validated: 29 });
  });

  it('access new: every file of the mqtt grant', async () => {
    const repo = useRepo({});
    await initSystem({ root: repo.root });
    const r = await newAccessGrant({
      root: repo.root,
      name: 'mqtt',
      namespace: 'mqtt',
      port: { port: 1883, protocol: 'TCP' },
    });
    expect(r.written).toBe(true);
    const errors = r.files.flatMap((f) => validateText(f.path, repo.read(f.path)).errors);
    expect(errors).toEqual([]);
  });

  it('platform new: the vault CNP', async () => {
    const repo = copyOf(EXAMPLE);
    const r = await newPlatformNamespace({
      root: repo.root,
      namespace: 'vault',
      metricsPorts: [8200],
      mesh: true,
      ingressFrom: [
        { peer: { kind: 'pods', namespace: 'web', labels: {} }, ports: [{ port: 8200, protocol: 'TCP' }] },
      ],
      egressTo: [
        { peer: { kind: 'entity', entity: 'kube-apiserver' }, ports: [{ port: 6443, protocol: 'TCP' }] },
      ],
    });
    expect(r.written).toBe(true);
    expect(validateText('vault.yaml', repo.read('network-policy/platform/vault.yaml'))).toEqual({
      errors: [],
      validated: 1,
    });
  });

  it('renderPlatformPolicy and renderAccessPolicy', () => {
    const platform = renderPlatformPolicy({
      namespace: 'mqtt',
      purpose: 'Mosquitto',
      metricsPorts: [9234],
      monitoringNamespace: 'monitoring',
      mesh: true,
      grants: [
        {
          name: 'mqtt',
          label: 'access.network-policy.homelab/mqtt',
          ports: [{ port: 1883, protocol: 'TCP' }],
        },
      ],
      ingressFrom: [
        {
          peer: { kind: 'pods', namespace: 'iot', labels: { app: 'bridge' } },
          ports: [{ port: 8883, protocol: 'TCP' }],
        },
      ],
      egressTo: [{ peer: { kind: 'entity', entity: 'world' }, ports: [{ port: 443, protocol: 'TCP' }] }],
    });
    const access = renderAccessPolicy({
      name: 'mqtt',
      domain: 'example.org',
      namespace: 'broker',
      ports: [
        { port: 1883, protocol: 'TCP' },
        { port: 1883, protocol: 'UDP' },
      ],
    });
    expect(validateText('platform', platform)).toEqual({ errors: [], validated: 1 });
    expect(validateText('access', access)).toEqual({ errors: [], validated: 1 });
  });
});
