import { describe, expect, it } from 'vitest';
import { type ClientStatsLike, followStreamStats } from '../src/dom.js';

describe('followStreamStats', () => {
  it('reads 0 and undefined while there is no stream, then the current stream on every read', () => {
    let current: { stats: ClientStatsLike } | undefined;
    let path: 'ws' | 'av' | undefined;
    const stats = followStreamStats(
      () => current,
      () => path,
    );
    expect({ ...stats }).toEqual({
      fps: 0,
      bitrateBps: 0,
      framesDropped: 0,
      latencyMs: undefined,
      parser: undefined,
      transport: undefined,
    });
    current = { stats: { fps: 25, bitrateBps: 8000, framesDropped: 2, latencyMs: 40, parser: 'multipart' } };
    path = 'av';
    expect({ ...stats }).toEqual({
      fps: 25,
      bitrateBps: 8000,
      framesDropped: 2,
      latencyMs: 40,
      parser: 'multipart',
      transport: 'av',
    });
    current = { stats: { fps: 30 } };
    path = 'ws';
    expect(stats).toMatchObject({ fps: 30, bitrateBps: 0, framesDropped: 0, transport: 'ws' });
    expect(stats.latencyMs).toBeUndefined();
  });
});
