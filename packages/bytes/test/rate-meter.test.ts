import { describe, expect, it } from 'vitest';
import { RateMeter } from '../src/index.js';

describe('RateMeter events per second', () => {
  it('reads 0 before any event and with one event', () => {
    const meter = new RateMeter();
    expect(meter.rate(1000)).toBe(0);
    expect(meter.byteRate(1000)).toBe(0);
    meter.add(0);
    expect(meter.rate(0)).toBe(0);
  });

  it('reads frames per second over the window', () => {
    const meter = new RateMeter();
    for (let i = 0; i <= 30; i++) meter.add(i * 40);
    expect(meter.rate(1200)).toBeCloseTo(25, 6);
  });

  it('measures a steady 10 per second over its window', () => {
    const meter = new RateMeter();
    for (let t = 0; t <= 5000; t += 100) meter.add(10_000 + t, 1);
    expect(meter.rate(15_000)).toBeCloseTo(10, 6);
  });

  it('measures a rate before the window has filled', () => {
    const meter = new RateMeter();
    for (let t = 0; t < 1000; t += 40) meter.add(50_000 + t, 1);
    expect(meter.rate(51_000)).toBeCloseTo(25, 6);
  });

  it('forgets events older than 2 s, so a stopped source reads 0', () => {
    const meter = new RateMeter();
    for (let i = 0; i < 10; i++) meter.add(i * 100);
    expect(meter.rate(1000)).toBeCloseTo(10, 6);
    expect(meter.rate(3000)).toBe(0);
  });

  it('counts events younger than 1.75 s and never one 2 s old', () => {
    const meter = new RateMeter();
    meter.add(1000);
    meter.add(1100);
    expect(meter.rate(2749)).toBeCloseTo(10, 6);
    expect(meter.rate(2999)).toBeCloseTo(10, 6);
    expect(meter.rate(3000)).toBe(0);
  });

  it('keeps a fixed window however many events arrive', () => {
    const meter = new RateMeter();
    for (let i = 0; i < 1000; i++) meter.add(i * 10); // 100 per second, far more events than buckets
    expect(meter.rate(9990)).toBeCloseTo(100, 6);
  });
});

describe('RateMeter bytes per second', () => {
  it('sums bytes after the first event and falls to 0 after a 2 s silence', () => {
    const meter = new RateMeter();
    for (let t = 0; t <= 3000; t += 50) meter.add(7000 + t, 1000);
    expect(meter.byteRate(10_000)).toBeGreaterThan(19_000);
    expect(meter.byteRate(10_000)).toBeLessThan(21_000);
    expect(meter.byteRate(10_000)).toBeCloseTo(20_000, 6);
    expect(meter.byteRate(12_100)).toBe(0);
  });

  it('measures events and bytes of the same events side by side', () => {
    const meter = new RateMeter();
    // 20 events per second of 500 bytes, one of 10 000 first: it opens the span and does not count.
    meter.add(0, 10_000);
    for (let i = 1; i <= 20; i++) meter.add(i * 50, 500);
    expect(meter.rate(1000)).toBeCloseTo(20, 6);
    expect(meter.byteRate(1000)).toBeCloseTo(10_000, 6);
  });
});
