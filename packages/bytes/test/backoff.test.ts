import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_MAX_DELAY_MS, DEFAULT_MIN_DELAY_MS } from '../src/index.js';

describe('backoffDelayMs', () => {
  it('doubles from 500 ms and caps at 10 s by default, at the top of its jitter range', () => {
    const top = (attempt: number) => backoffDelayMs(attempt, {}, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(DEFAULT_MIN_DELAY_MS).toBe(500);
    expect(DEFAULT_MAX_DELAY_MS).toBe(10_000);
  });

  it('jitters into the upper half of each step, never under minDelayMs', () => {
    const bottom = (attempt: number) => backoffDelayMs(attempt, {}, () => 0);
    expect([1, 2, 3, 6].map(bottom)).toEqual([500, 500, 1000, 5000]);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelayMs(4);
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
      seen.add(delay);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('doubles from minDelayMs up to maxDelayMs, with half of each step random', () => {
    const options = { minDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, options, () => 0)).toBe(100);
    expect(backoffDelayMs(1, options, () => 1)).toBe(100);
    expect(backoffDelayMs(3, options, () => 1)).toBe(400);
    expect(backoffDelayMs(10, options, () => 1)).toBe(1000);
    expect(backoffDelayMs(10, options, () => 0)).toBe(500);
  });

  it('honours custom bounds and survives huge attempt numbers', () => {
    expect(backoffDelayMs(1, { minDelayMs: 50, maxDelayMs: 200 }, () => 1)).toBe(50);
    expect(backoffDelayMs(3, { minDelayMs: 50, maxDelayMs: 200 }, () => 1)).toBe(200);
    expect(backoffDelayMs(10_000, { minDelayMs: 50, maxDelayMs: 200 }, () => 1)).toBe(200);
    expect(backoffDelayMs(2, { minDelayMs: 300, maxDelayMs: 100 }, () => 1)).toBe(300);
  });
});
