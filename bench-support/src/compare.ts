import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildWorkspaceDependencies, checkoutBaseline, findRepoRoot } from './baseline.js';
import { BenchSetupError } from './errors.js';
import { DEFAULT_BUDGET_MS, timeRoundRobin } from './timing.js';

/** One thing to time, made from one build of the package (the bench's adapter for it). */
export interface BuildCase {
  /** Row label; both builds must give the same labels in the same order. */
  name: string;
  /** Bytes one call processes: the row prints MB/s. */
  bytes?: number;
  /** Operations one call performs (frames, parts …): the row prints operations per second. */
  operations?: number;
  /** One call; returns a number derived from the output (compared between builds, and kept). */
  run: () => number;
}

/** What {@link compareWithBaseline} times. */
export interface CompareOptions<Module> {
  /** The git ref to time against (`--baseline=<ref>`). */
  ref: string;
  /** The package under test in the working tree (a path or a `file:` URL). */
  packageDir: string | URL;
  /** The module both builds load, relative to the package. Default `src/index.ts`. */
  entry?: string;
  /** The cases, from one build's module: called once per build. */
  cases: (build: Module) => BuildCase[];
  /** CPU milliseconds per case and build. Default {@link DEFAULT_BUDGET_MS}. */
  budgetMs?: number;
}

/** One case timed in both builds. */
export interface ComparedCase {
  name: string;
  bytes: number | undefined;
  operations: number | undefined;
  /** Best CPU seconds per call at the ref. */
  beforeSeconds: number;
  /** Best CPU seconds per call in the working tree. */
  nowSeconds: number;
  /** `beforeSeconds / nowSeconds`: above 1 the working tree is faster. */
  speedup: number;
  /** What one call returned in each build (equal when both produce the same output). */
  beforeOutput: number;
  nowOutput: number;
}

/** The result of one A/B run. */
export interface Comparison {
  ref: string;
  commit: string;
  /** Workspace dependencies built at the ref, dependencies first. */
  built: string[];
  budgetMs: number;
  cases: ComparedCase[];
}

/**
 * Times the working tree's package against the same package at `ref`, in this process. The ref
 * is checked out into a temporary worktree (removed afterwards) sharing the working tree's
 * `node_modules`; its workspace dependencies are built there with tsup. Both builds load the
 * package's own source (`entry`), compiled by the same tsx loader, and each resolves its own
 * `@mjpeg-kit/*` dependencies (the working tree's are its `dist` builds, which
 * `npm run bench` has turbo build first). The bench's `cases` adapter is applied to each module;
 * every case runs in both builds, round robin (see `timeRoundRobin`).
 *
 * @throws BenchSetupError (`UNKNOWN_REF`, `WORKTREE_FAILED`, `PACKAGE_MISSING`, `BUILD_FAILED`)
 *   when the baseline cannot be set up; (`CASES_DIFFER`) when the builds give different cases.
 */
export async function compareWithBaseline<Module>(options: CompareOptions<Module>): Promise<Comparison> {
  const packageDir =
    typeof options.packageDir === 'string' ? options.packageDir : fileURLToPath(options.packageDir);
  const entry = options.entry ?? 'src/index.ts';
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const repoRoot = findRepoRoot(packageDir);
  const inRepo = relative(repoRoot, packageDir);
  const tree = checkoutBaseline(options.ref, repoRoot);
  try {
    const built = buildWorkspaceDependencies(tree, inRepo);
    const now = (await import(pathToFileURL(join(packageDir, entry)).href)) as Module;
    const before = (await import(pathToFileURL(join(tree.root, inRepo, entry)).href)) as Module;
    const nowCases = options.cases(now);
    const beforeCases = options.cases(before);
    const names = (cases: BuildCase[]) => cases.map((c) => c.name).join('\n');
    if (names(nowCases) !== names(beforeCases)) {
      throw new BenchSetupError('CASES_DIFFER', 'the two builds gave different case names or counts');
    }
    const outputs = [...beforeCases, ...nowCases].map((c) => c.run());
    // Each case's two builds side by side, so that they are timed one after the other.
    const runs = nowCases.flatMap((c, i) => [beforeCases[i]!.run, c.run]);
    const seconds = timeRoundRobin(runs, { budgetMs });
    return {
      ref: options.ref,
      commit: tree.commit,
      built,
      budgetMs,
      cases: nowCases.map((c, i) => ({
        name: c.name,
        bytes: c.bytes,
        operations: c.operations,
        beforeSeconds: seconds[2 * i]!,
        nowSeconds: seconds[2 * i + 1]!,
        speedup: seconds[2 * i]! / seconds[2 * i + 1]!,
        beforeOutput: outputs[i]!,
        nowOutput: outputs[nowCases.length + i]!,
      })),
    };
  } finally {
    tree.remove();
  }
}

/** A markdown section: what was compared and how, then one row per case. */
export function formatComparison(comparison: Comparison, entry = 'src/index.ts'): string {
  const { ref, commit } = comparison;
  const short = commit.slice(0, 10);
  const dependencies =
    comparison.built.length === 0
      ? 'The package has no workspace dependencies.'
      : `Its workspace dependencies: at ${ref} ${comparison.built.join(', ')}, built in the worktree with tsup; ` +
        'in the working tree their dist builds.';
  const rows = comparison.cases.map((c) =>
    [
      c.name,
      formatRate(c, c.beforeSeconds),
      formatRate(c, c.nowSeconds),
      `${c.speedup.toFixed(2)}×`,
      Object.is(c.beforeOutput, c.nowOutput) ? 'same' : `differs (${c.beforeOutput} → ${c.nowOutput})`,
    ].join(' | '),
  );
  return [
    `## Working tree against ${ref} (${short}), in one process`,
    '',
    `Both builds load the package's \`${entry}\` through the same tsx loader. ${dependencies} ` +
      `Best CPU time of round-robin passes, ~${comparison.budgetMs} ms per case and build; ` +
      'above 1×: the working tree is faster.',
    '',
    `| case | ${ref} | working tree | now ÷ before | output |`,
    '|---|--:|--:|--:|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
  ].join('\n');
}

/** Runs {@link compareWithBaseline} and prints {@link formatComparison}. */
export async function printBaselineComparison<Module>(options: CompareOptions<Module>): Promise<Comparison> {
  const comparison = await compareWithBaseline(options);
  console.log(formatComparison(comparison, options.entry));
  return comparison;
}

/**
 * {@link printBaselineComparison}, then ends the process once stdout is flushed: for a bench
 * whose own tables follow at the top level, `--baseline` becomes one statement before them.
 */
export async function printBaselineComparisonAndExit<Module>(
  options: CompareOptions<Module>,
): Promise<never> {
  await printBaselineComparison(options);
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(0);
}

function formatRate(c: Pick<ComparedCase, 'bytes' | 'operations'>, seconds: number): string {
  if (c.bytes !== undefined) return `${(c.bytes / seconds / 1e6).toFixed(0)} MB/s`;
  const perSecond = (c.operations ?? 1) / seconds;
  const unit = c.operations === undefined ? 'runs/s' : 'ops/s';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M ${unit}`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k ${unit}`;
  return `${perSecond.toFixed(1)} ${unit}`;
}
