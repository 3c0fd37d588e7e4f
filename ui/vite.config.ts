import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The graph view is its own chunk (cytoscape.js and dagre are most of the page's bytes), loaded by `import()`;
 * this link has the browser fetch and compile it while the small entry runs and asks the API, so the graph view
 * does not wait for one after the other, and the other views do not wait for it at all.
 */
function preloadGraphChunk(): Plugin {
  return {
    name: 'netpol-preload-graph-chunk',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find(
          (c) => c.type === 'chunk' && (c.facadeModuleId ?? '').endsWith('/views/graph.ts'),
        );
        return chunk
          ? [
              {
                tag: 'link',
                attrs: { rel: 'modulepreload', crossorigin: true, href: `./${chunk.fileName}` },
                injectTo: 'head',
              },
            ]
          : [];
      },
    },
  };
}

// The page of `netpol ui`, built by `npm run build` (and so by `npm ci`, through `prepare`) into dist/ui,
// which the package ships. Everything is bundled: no CDN, no external fonts.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  plugins: [preloadGraphChunk()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
});
