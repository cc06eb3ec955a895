import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm', 'cjs'],
  // The ./node entry's declarations name Node types (child_process, fs); tsconfig.json keeps
  // the core free of them, and `npm run typecheck` checks both entries with their own types.
  dts: { compilerOptions: { types: ['node'] } },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'node',
});
