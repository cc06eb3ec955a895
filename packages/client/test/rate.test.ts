import { describe, expect, it } from 'vitest';
import { RateMeter } from '../src/rate.js';

describe('RateMeter', () => {
  it('reports 0 before any event', () => {
    expect(new RateMeter().rate(1000)).toBe(0);
  });

  it('measures a steady 10 per second over its window', () => {
    const meter = new RateMeter();
    for (let t = 0; t <= 5000; t += 100) meter.add(1, 10_000 + t);
    expect(meter.rate(15_000)).toBeCloseTo(10, 0);
  });

  it('measures a rate before the window has filled', () => {
    const meter = new RateMeter();
    for (let t = 0; t < 1000; t += 40) meter.add(1, 50_000 + t);
    expect(meter.rate(51_000)).toBeCloseTo(25, 0);
  });

  it('sums amounts (bytes) and falls to 0 after a 2 s silence', () => {
    const meter = new RateMeter();
    for (let t = 0; t <= 3000; t += 50) meter.add(1000, 7000 + t);
    // One event more or less at the window's edge moves it by ~3 %.
    expect(meter.rate(10_000)).toBeGreaterThan(19_000);
    expect(meter.rate(10_000)).toBeLessThan(21_000);
    expect(meter.rate(12_100)).toBe(0);
  });
});
