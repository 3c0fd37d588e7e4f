import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The page of `netpol ui`, built by `npm run build` (and so by `npm ci`, through `prepare`) into dist/ui,
// which the package ships. Everything is bundled: no CDN, no external fonts.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
});
