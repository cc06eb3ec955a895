/** A tile's stream over the grid's shared /ws connection, against a fake connection. */
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { StreamError, type WsCameraOptions, type WsConnection } from '@mjpeg-kit/client';
import { describe, expect, it, vi } from 'vitest';
import { wsLimitNote, wsSummary } from '../src/connection-budget.js';
import { openGridConnection, TILE_WS_CREDIT, wsTileStream } from '../src/grid-ws.js';

const PACKET = {
  type: 'image/jpeg',
  body: new Uint8Array([0xff, 0xd8]),
  timestamp: 1,
  seq: 1,
} as MediaPacket;

/** A connection whose `camera()` throws `failures` times (each error from `failWith`), then yields one packet. */
function fakeConnection(failures: number, failWith: () => Error) {
  const calls: Array<{ name: string; options: WsCameraOptions | undefined }> = [];
  const connection = {
    camera(name: string, options?: WsCameraOptions) {
      calls.push({ name, options });
      if (calls.length <= failures) throw failWith();
      return {
        stats: { fps: 7, bitrateBps: 8, framesDropped: 3, latencyMs: 5 },
        close() {},
        async *[Symbol.asyncIterator]() {
          yield PACKET;
        },
      };
    },
  } as unknown as WsConnection;
  return { connection, calls };
}

const streamOptions = () => ({
  signal: new AbortController().signal,
  onStatus: () => {},
  bodies: 'pieces' as const,
});

describe('wsTileStream', () => {
  it('subscribes its camera with the tile credit and passes the camera’s packets and stats through', async () => {
    const { connection, calls } = fakeConnection(0, () => new Error('unused'));
    const stream = wsTileStream(connection, 'front')('http://x/cams/front/stream', streamOptions());
    expect(stream.stats.fps).toBe(0);
    const packets: unknown[] = [];
    for await (const packet of stream) packets.push(packet);
    expect(packets).toEqual([PACKET]);
    expect(calls.map((call) => [call.name, call.options?.credit])).toEqual([['front', TILE_WS_CREDIT]]);
    expect(stream.stats).toMatchObject({ fps: 7, framesDropped: 3, latencyMs: 5, transport: 'ws' });
  });

  it('retries while the previous subscription of the camera is still open (INVALID_OPTION)', async () => {
    const { connection, calls } = fakeConnection(
      2,
      () => new StreamError('INVALID_OPTION', 'camera front is already open on this connection'),
    );
    const packets: unknown[] = [];
    for await (const packet of wsTileStream(connection, 'front')('u', streamOptions())) packets.push(packet);
    expect(packets).toEqual([PACKET]);
    expect(calls).toHaveLength(3);
  });

  it('passes any other error on at once', async () => {
    const { connection, calls } = fakeConnection(5, () => new StreamError('PROTOCOL', 'bad'));
    const iterate = async () => {
      for await (const _ of wsTileStream(connection, 'front')('u', streamOptions())) {
        // nothing arrives
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'PROTOCOL' });
    expect(calls).toHaveLength(1);
  });
});

describe('openGridConnection', () => {
  it('resolves undefined where there is no WebSocket, so the grid plays HTTP streams', async () => {
    vi.stubGlobal('WebSocket', undefined);
    try {
      await expect(openGridConnection('http://127.0.0.1:1/')).resolves.toBeUndefined();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('the /ws summary', () => {
  it('says every camera plays over one WebSocket, or how many of them past the 64 one carries', () => {
    expect(wsSummary(16, 16)).toBe('All 16 cameras play live over one WebSocket connection (/ws).');
    expect(wsSummary(64, 70)).toMatch(/^64 of 70 cameras play live over one WebSocket connection/);
    expect(wsLimitNote()).toMatch(/^waiting: one WebSocket connection carries at most 64 cameras/);
  });
});
