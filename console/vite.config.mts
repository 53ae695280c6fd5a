// Builds the console into dist/console, served by the control plane at /console.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    // The polyfill would be an inline script; the CSP allows none. Every target browser has modulepreload.
    modulePreload: { polyfill: false },
    target: 'es2022',
    // Never inline assets as data: URLs into scripts or styles.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
