// The Electron preload as one CommonJS file: a sandboxed preload cannot load modules of its own,
// so the operation lists it is built from (core/contract/) are bundled into it.
import { defineConfig } from 'vite';

export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir: 'dist/electron',
    emptyOutDir: false,
    target: 'es2022',
    minify: false,
    lib: { entry: 'electron/preload.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
