import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

// Workspace packages resolve to their TypeScript source (as in ../../vitest.shared.ts), so the
// page builds without waiting for the packages' dist.
export default defineConfig({
  base: './',
  resolve: {
    alias: [
      { find: /^@mjpeg-kit\/([^/]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
      { find: /^@mjpeg-kit\/([^/]+)\/(.+)$/, replacement: `${packagesDir}$1/src/$2.ts` },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
