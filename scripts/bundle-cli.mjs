// Bundles the compiled CLI (dist/src, from tsc) into dist/cli: netpol.js, the entry bin/netpol.js runs,
// parse-worker.js (the parse pool's worker, found beside the pool's code) and one chunk per lazily loaded
// command. The libraries netpol loads only where a command needs them stay in node_modules.
// Run by `npm run build` after tsc (docs/decisions.md, "Start-up").
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/cli';
const MAIN = path.resolve('dist/src/cli/main.js');

/**
 * Makes every module the CLI imports with `import()` import main.js too, as it is always loaded by then.
 * esbuild puts a module in a chunk per set of entries that reach it: with the lazy modules reaching all of
 * main.js's imports, those land in one chunk, and `--help` loads two files, not fourteen. (A module met
 * statically before an `import()` of it is left as it is: only its chunk differs.)
 */
const lazyModulesShareTheEntry = {
  name: 'lazy-modules-share-the-entry',
  setup(b) {
    const lazy = new Set();
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      for (const m of text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
        lazy.add(path.resolve(path.dirname(args.path), m[1]));
      }
      const contents = lazy.has(args.path) ? `import ${JSON.stringify(MAIN)};\n${text}` : text;
      return { contents, loader: 'js' };
    });
  },
};

rmSync(OUT, { recursive: true, force: true });
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Heavy, and each loaded only by the commands that use it (a cluster, a Relay, a watcher, a prompt, the UI).
  external: [
    '@grpc/grpc-js',
    '@grpc/proto-loader',
    '@inquirer/prompts',
    '@kubernetes/client-node',
    'cytoscape',
    'cytoscape-dagre',
    'prom-client',
    // Loaded with require when a policy has an HTTP pattern (src/repo/re2.ts).
    're2js',
    'tsx',
  ],
  // The CommonJS libraries bundled (commander, yaml …) require Node's built-in modules.
  banner: {
    js: "import { createRequire as __netpolRequire } from 'node:module';\nconst require = __netpolRequire(import.meta.url);",
  },
  logLevel: 'warning',
};
// The CLI: the entry holds what every command needs (commander, the registrations); each command's action
// and what only it uses load from chunks when it runs.
await build({
  ...common,
  entryPoints: { netpol: 'dist/src/cli/entry.js' },
  outdir: OUT,
  splitting: true,
  plugins: [lazyModulesShareTheEntry],
});
// The worker is one file of its own: splitting it with the CLI would cut the CLI's entry into more chunks.
await build({ ...common, entryPoints: ['dist/src/repo/parse-worker.js'], outfile: `${OUT}/parse-worker.js` });
