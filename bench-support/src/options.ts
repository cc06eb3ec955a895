import { BenchSetupError } from './errors.js';
import { QUICK_BUDGET_MS } from './timing.js';

/** The command-line options every bench understands (`npm run bench -- --quick --baseline=HEAD~1`). */
export interface BenchOptions {
  /**
   * `--baseline=<git ref>`: time the working tree against that ref in this process instead of
   * printing the bench's own tables (see `compareWithBaseline`).
   */
  baseline: string | undefined;
  /** `--quick`: a short smoke pass (small budgets) that proves the bench runs; its numbers are not for quoting. */
  quick: boolean;
  /** The time budget per case: {@link QUICK_BUDGET_MS} with `--quick`, else `undefined` (the bench's own). */
  budgetMs: number | undefined;
}

/** Which options a bench supports; an option it does not support is refused with a clear message. */
export interface BenchOptionSupport {
  /** Whether the bench can time a baseline in process (only in-process benches can). */
  baseline: boolean;
}

/**
 * Reads the shared bench options from `argv` (default: this process's arguments). Other
 * arguments are left for the bench to read.
 *
 * @throws BenchSetupError (`BAD_OPTION`) for `--baseline` without a ref, or when the bench does
 *   not support it.
 */
export function readBenchOptions(
  support: BenchOptionSupport,
  argv: readonly string[] = process.argv.slice(2),
): BenchOptions {
  let baseline: string | undefined;
  for (const arg of argv) {
    if (arg !== '--baseline' && !arg.startsWith('--baseline=')) continue;
    baseline = arg.slice('--baseline='.length);
    if (arg === '--baseline' || baseline === '')
      throw new BenchSetupError(
        'BAD_OPTION',
        '--baseline needs a git ref: --baseline=<ref>, e.g. --baseline=HEAD~1',
      );
  }
  if (baseline !== undefined && !support.baseline) {
    throw new BenchSetupError(
      'BAD_OPTION',
      '--baseline is not supported by this bench: it times separate processes or a browser, not a module in ' +
        'one process. The A/B runner covers the in-process benches (bytes, chunked, frame-encoder, ' +
        'boundary-parser, jpeg-scanner); see docs/benchmarks.md.',
    );
  }
  const quick = argv.includes('--quick');
  return { baseline, quick, budgetMs: quick ? QUICK_BUDGET_MS : undefined };
}

/** The value of `--name=value` in `argv`, or `undefined`. */
export function readOption(
  name: string,
  argv: readonly string[] = process.argv.slice(2),
): string | undefined {
  const prefix = `--${name}=`;
  return argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}
