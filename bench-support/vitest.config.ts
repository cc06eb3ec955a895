import { defineConfig } from 'vitest/config';

// No `@mjpeg-kit/*` aliases here (unlike the packages' shared config): the A/B runner's tests
// check that a baseline tree resolves its own dependencies the way Node does.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
  },
});
