import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

/**
 * Shared vitest settings. Workspace imports resolve to each package's `src`, so tests
 * never wait for a build; `@mjpeg-kit/x/sub` maps to `packages/x/src/sub.ts`.
 */
export const sharedConfig = defineConfig({
  resolve: {
    alias: [
      { find: /^@mjpeg-kit\/([^/]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
      { find: /^@mjpeg-kit\/([^/]+)\/(.+)$/, replacement: `${packagesDir}$1/src/$2.ts` },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
