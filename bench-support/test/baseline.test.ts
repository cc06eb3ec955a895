import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BenchSetupError,
  type BuildCase,
  buildWorkspaceDependencies,
  checkoutBaseline,
  compareWithBaseline,
  formatComparison,
} from '../src/index.js';

const mainNodeModules = fileURLToPath(new URL('../../node_modules/', import.meta.url));

interface FixtureModule {
  appVersion: string;
  dependencyVersion: string;
}

/**
 * A two-package workspace in its own git repository: `app` depends on `dep`. The commit says
 * "committed" everywhere; the working tree then says "working" (with `dep` "built" by hand, as
 * turbo would before a bench), so every value tells which tree it came from.
 */
function makeFixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'bench-baseline-fixture-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const manifest = (fields: object) => JSON.stringify({ type: 'module', ...fields }, null, 2);
  write('package.json', manifest({ name: 'fixture', private: true, workspaces: ['packages/*'] }));
  write(
    'packages/dep/package.json',
    manifest({
      name: '@fixture/dep',
      exports: { '.': { import: './dist/index.js' } },
      scripts: { build: 'tsup src/index.ts' },
    }),
  );
  write('packages/dep/src/index.ts', "export const dependencyVersion: string = 'committed';\n");
  write(
    'packages/app/package.json',
    manifest({ name: '@fixture/app', dependencies: { '@fixture/dep': '0.0.0' } }),
  );
  const app = (version: string) =>
    `export { dependencyVersion } from '@fixture/dep';\nexport const appVersion: string = '${version}';\n`;
  write('packages/app/src/index.ts', app('committed'));
  write('.gitignore', 'node_modules/\ndist/\n');
  // npm's layout: workspace packages as relative links, registry packages as folders.
  mkdirSync(join(root, 'node_modules/@fixture/'), { recursive: true });
  mkdirSync(join(root, 'node_modules/.bin'));
  symlinkSync('../../packages/dep', join(root, 'node_modules/@fixture/dep'));
  symlinkSync(join(mainNodeModules, 'tsup'), join(root, 'node_modules/tsup'));
  symlinkSync(join(mainNodeModules, '.bin/tsup'), join(root, 'node_modules/.bin/tsup'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], {
      cwd: root,
      stdio: 'ignore',
    });
  git('init', '--quiet');
  git('add', '.');
  git('commit', '--quiet', '-m', 'committed');
  write('packages/app/src/index.ts', app('working'));
  write('packages/dep/src/index.ts', "export const dependencyVersion: string = 'working';\n");
  write('packages/dep/dist/index.js', "export const dependencyVersion = 'working';\n");
  return root;
}

const versionCases = (build: FixtureModule): BuildCase[] => [
  { name: 'app', run: () => (build.appVersion === 'committed' ? 1 : 2) },
  { name: 'dependency', run: () => (build.dependencyVersion === 'committed' ? 1 : 2) },
];

function worktrees(root: string): string[] {
  return execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith('worktree '));
}

function leftoverTrees(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('mjpeg-kit-baseline-'));
}

describe('A/B against a git ref', () => {
  let root: string;
  let before: string[];
  beforeAll(() => {
    root = makeFixture();
    before = leftoverTrees();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("loads the ref's code for the baseline and the working tree's for now, each with its own dependency", async () => {
    const comparison = await compareWithBaseline<FixtureModule>({
      ref: 'HEAD',
      packageDir: join(root, 'packages/app'),
      cases: versionCases,
      budgetMs: 1,
    });
    expect(comparison.built).toEqual(['@fixture/dep']);
    expect(comparison.cases.map((c) => [c.name, c.beforeOutput, c.nowOutput])).toEqual([
      ['app', 1, 2],
      ['dependency', 1, 2],
    ]);
    for (const c of comparison.cases) expect(c.speedup).toBeGreaterThan(0);
  });

  it('removes the worktree and its temp dir afterwards', async () => {
    await compareWithBaseline<FixtureModule>({
      ref: 'HEAD',
      packageDir: join(root, 'packages/app'),
      cases: versionCases,
      budgetMs: 1,
    });
    expect(worktrees(root)).toHaveLength(1);
    expect(leftoverTrees()).toEqual(before);
  });

  it('removes the worktree when the cases throw', async () => {
    await expect(
      compareWithBaseline<FixtureModule>({
        ref: 'HEAD',
        packageDir: join(root, 'packages/app'),
        cases: () => {
          throw new Error('adapter broke');
        },
      }),
    ).rejects.toThrow('adapter broke');
    expect(worktrees(root)).toHaveLength(1);
    expect(leftoverTrees()).toEqual(before);
  });

  it('rejects with UNKNOWN_REF for a ref git cannot resolve, leaving no worktree', async () => {
    const error = await compareWithBaseline<FixtureModule>({
      ref: 'no-such-branch',
      packageDir: join(root, 'packages/app'),
      cases: versionCases,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BenchSetupError);
    expect((error as BenchSetupError).code).toBe('UNKNOWN_REF');
    expect(worktrees(root)).toHaveLength(1);
  });

  it('rejects with CASES_DIFFER when the builds give different cases', async () => {
    const error = await compareWithBaseline<FixtureModule>({
      ref: 'HEAD',
      packageDir: join(root, 'packages/app'),
      cases: (build) => [{ name: build.appVersion, run: () => 0 }],
    }).catch((e: unknown) => e);
    expect((error as BenchSetupError).code).toBe('CASES_DIFFER');
  });

  it('links registry packages to the same files and workspace packages to the tree', () => {
    const tree = checkoutBaseline('HEAD', root);
    try {
      expect(
        execFileSync('readlink', ['-f', join(tree.root, 'node_modules/@fixture/dep')])
          .toString()
          .trim(),
      ).toBe(join(tree.root, 'packages/dep'));
      expect(
        execFileSync('readlink', ['-f', join(tree.root, 'node_modules/tsup')])
          .toString()
          .trim(),
      ).toBe(
        execFileSync('readlink', ['-f', join(mainNodeModules, 'tsup')])
          .toString()
          .trim(),
      );
      expect(existsSync(join(tree.root, 'packages/dep/dist'))).toBe(false);
      expect(buildWorkspaceDependencies(tree, 'packages/app')).toEqual(['@fixture/dep']);
      expect(existsSync(join(tree.root, 'packages/dep/dist/index.js'))).toBe(true);
    } finally {
      tree.remove();
    }
    expect(existsSync(tree.root)).toBe(false);
    // Removing the tree's links left the shared node_modules alone.
    expect(existsSync(join(mainNodeModules, 'tsup/package.json'))).toBe(true);
  });

  it('rejects with PACKAGE_MISSING for a package the ref does not have', () => {
    const tree = checkoutBaseline('HEAD', root);
    try {
      expect(() => buildWorkspaceDependencies(tree, 'packages/absent')).toThrow(
        expect.objectContaining({ code: 'PACKAGE_MISSING' }),
      );
    } finally {
      tree.remove();
    }
  });

  it('prints a markdown row per case with both rates, the ratio and whether outputs agree', () => {
    const text = formatComparison({
      ref: 'HEAD~1',
      commit: '0123456789abcdef',
      built: ['@mjpeg-kit/bytes'],
      budgetMs: 700,
      cases: [
        {
          name: 'search, 64 KiB',
          bytes: 22_800_000,
          operations: undefined,
          beforeSeconds: 0.01,
          nowSeconds: 0.005,
          speedup: 2,
          beforeOutput: 300,
          nowOutput: 300,
        },
        {
          name: 'encodePart',
          bytes: undefined,
          operations: 1000,
          beforeSeconds: 0.001,
          nowSeconds: 0.002,
          speedup: 0.5,
          beforeOutput: 1,
          nowOutput: 2,
        },
      ],
    });
    expect(text).toContain('## Working tree against HEAD~1 (0123456789), in one process');
    expect(text).toContain('| search, 64 KiB | 2280 MB/s | 4560 MB/s | 2.00× | same |');
    expect(text).toContain('| encodePart | 1.00 M ops/s | 500.0 k ops/s | 0.50× | differs (1 → 2) |');
  });
});
