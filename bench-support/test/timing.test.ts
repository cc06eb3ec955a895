import { describe, expect, it } from 'vitest';
import { timeRoundRobin } from '../src/index.js';

describe('timeRoundRobin', () => {
  it('returns one positive, finite time per run, each run called in at least minPasses samples', () => {
    const calls = [0, 0, 0];
    const runs = calls.map((_, index) => () => {
      calls[index]!++;
      let sum = 0;
      for (let i = 0; i < 1000; i++) sum += i;
      return sum;
    });
    const seconds = timeRoundRobin(runs, { budgetMs: 1, minPasses: 3, sampleMs: 1 });
    expect(seconds).toHaveLength(3);
    for (const value of seconds) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThan(0);
    }
    // At least three warm-up calls, then at least one call per sample.
    for (const count of calls) expect(count).toBeGreaterThanOrEqual(3 + 3);
  });

  it('stops at maxPasses even when the budget is not spent', () => {
    let calls = 0;
    timeRoundRobin(
      [
        () => {
          calls++;
          return calls;
        },
      ],
      { budgetMs: 60_000, minPasses: 1, maxPasses: 2, sampleMs: 0 },
    );
    // Three warm-up calls (a zero-length sample needs no more), then one call in each of two passes.
    expect(calls).toBe(3 + 2);
  });
});
