/**
 * Where the conformance suite (`npm run test:conformance`) finds the external corpora it checks netpol
 * against: the directory named by `NETPOL_CONFORMANCE_DIR` (CI: `../shared`), holding
 * `schemas/` (the official CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and PrometheusRule CRD
 * schemas) and `fixtures/cilium-examples/` (examples/policies of cilium/cilium, unchanged). They are read
 * in place, never copied into the project. vitest.conformance.config.ts refuses to start without the
 * variable, so these paths are always set here.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The environment variable naming the corpus directory. */
export const CONFORMANCE_DIR_VARIABLE = 'NETPOL_CONFORMANCE_DIR';

/**
 * The corpus directory, resolved against the working directory.
 * @throws Error when the variable is unset or empty (the config checks first, so this is a safety net).
 */
export function conformanceDir(): string {
  const dir = process.env[CONFORMANCE_DIR_VARIABLE];
  if (dir === undefined || dir === '') throw new Error(`${CONFORMANCE_DIR_VARIABLE} is not set`);
  return path.resolve(dir);
}

/** The official CRD schemas (`<dir>/schemas`). */
export const schemasDir = (): string => path.join(conformanceDir(), 'schemas');

/** Cilium's example policies (`<dir>/fixtures/cilium-examples`). */
export const ciliumExamplesDir = (): string => path.join(conformanceDir(), 'fixtures/cilium-examples');

/** Every file below a directory, absolute paths, depth first in directory order. */
export function walkFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walkFiles(p) : [p];
  });
}

/** Cilium's example policies as absolute paths (the README left out). */
export const ciliumExampleFiles = (): string[] =>
  walkFiles(ciliumExamplesDir()).filter((f) => !f.endsWith('.md'));
