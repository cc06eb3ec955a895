import { describe, expect, it } from 'vitest';
import { BenchSetupError, QUICK_BUDGET_MS, readBenchOptions, readOption } from '../src/index.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof BenchSetupError ? error.code : 'not a BenchSetupError';
  }
  return undefined;
}

describe('bench options', () => {
  it('reads --baseline=<ref> and --quick', () => {
    expect(readBenchOptions({ baseline: true }, ['--quick', '--baseline=HEAD~2'])).toEqual({
      baseline: 'HEAD~2',
      quick: true,
      budgetMs: QUICK_BUDGET_MS,
    });
    expect(readBenchOptions({ baseline: true }, [])).toEqual({
      baseline: undefined,
      quick: false,
      budgetMs: undefined,
    });
  });

  it('throws BAD_OPTION for --baseline without a ref', () => {
    expect(codeOf(() => readBenchOptions({ baseline: true }, ['--baseline']))).toBe('BAD_OPTION');
    expect(codeOf(() => readBenchOptions({ baseline: true }, ['--baseline=']))).toBe('BAD_OPTION');
  });

  it('throws BAD_OPTION for --baseline in a bench that cannot time a baseline in process', () => {
    expect(codeOf(() => readBenchOptions({ baseline: false }, ['--baseline=HEAD']))).toBe('BAD_OPTION');
    expect(readBenchOptions({ baseline: false }, ['--quick']).quick).toBe(true);
  });

  it('reads a --name=value option and leaves others alone', () => {
    expect(readOption('viewers', ['--quick', '--viewers=100,500'])).toBe('100,500');
    expect(readOption('viewers', ['--viewersx=1'])).toBeUndefined();
  });
});
