// The renderer bundle (npm run build:renderer): served by `vmkscope serve` and by Electron's
// app:// protocol, so every asset path is relative.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: '../dist/renderer', emptyOutDir: true, target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1024 },
});
