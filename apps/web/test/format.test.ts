import { describe, expect, it } from 'vitest';
import { isCrossOrigin } from '../src/diagnose.js';
import { formatBitrate, formatMs } from '../src/format.js';

describe('overlay formatting', () => {
  it.each([
    [0, '–'],
    [Number.NaN, '–'],
    [850_400, '850 kbit/s'],
    [12_345_678, '12.35 Mbit/s'],
  ])('formats %d bit/s as %s', (bps, text) => {
    expect(formatBitrate(bps)).toBe(text);
  });

  it('formats milliseconds and unknowns', () => {
    expect(formatMs(41.6)).toBe('42 ms');
    expect(formatMs(undefined)).toBe('–');
  });
});

describe('isCrossOrigin', () => {
  it('tells same-origin paths from other hosts and ports', () => {
    expect(isCrossOrigin('/av', 'http://127.0.0.1:8080/')).toBe(false);
    expect(isCrossOrigin('http://127.0.0.1:8080/stream', 'http://127.0.0.1:8080/')).toBe(false);
    expect(isCrossOrigin('http://127.0.0.1:8081/stream', 'http://127.0.0.1:8080/')).toBe(true);
    expect(isCrossOrigin('http://camera.local/video.mjpg', 'http://127.0.0.1:8080/')).toBe(true);
  });
});
