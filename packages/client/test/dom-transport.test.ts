/**
 * The player's transport choice (openPlayerTransport) in Node against the real server: `/ws`
 * when it says hello, the URL over fetch otherwise. It touches no DOM, so it runs without a browser.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { MediaPacket, PiecesMediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CameraRegistry, createMjpegHandler, MjpegHub } from '../../server/src/index.js';
import { deriveWsTarget, forgetWsProbes, openPlayerTransport } from '../src/dom/ws-transport.js';
import { WS } from './helpers/ws.js';

interface Served {
  base: string;
  hub: MjpegHub;
  upgrades: number;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  forgetWsProbes();
});

/** The real handler with camera `front`; `ws`: `upgrade` served, `refuse`: upgrades destroyed, `silent`: accepted, no hello. */
async function serve(mode: 'ws' | 'refuse' | 'silent'): Promise<Served> {
  const registry = new CameraRegistry();
  const hub = new MjpegHub({ closeTimeoutMs: 300, repeatStillMs: 0 });
  registry.add({ name: 'front', hub, runs: [], audio: false });
  const handler = createMjpegHandler(registry);
  const server: Server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const silent = new WebSocketServer({ noServer: true, handleProtocols: () => 'mjpeg-kit.v1' });
  const served: Served = {
    base: '',
    hub,
    upgrades: 0,
    async close() {
      await hub.close();
      for (const client of silent.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('upgrade', (req, socket, head) => {
    served.upgrades++;
    if (mode === 'ws' && handler.upgrade(req, socket, head)) return;
    if (mode === 'silent') silent.handleUpgrade(req, socket, head, () => {});
    else socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  served.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => served.close());
  // A frame every 20 ms for as long as the test runs.
  let seq = 0;
  const timer = setInterval(() => {
    seq++;
    const body = new Uint8Array(64).fill(seq & 0xff);
    body.set([0xff, 0xd8]);
    body.set([0xff, 0xd9], 62);
    hub.publish({ type: 'image/jpeg', body, timestamp: Date.now(), seq });
  }, 20);
  cleanups.push(() => clearInterval(timer));
  return served;
}

function streamOptions(extra: Record<string, unknown> = {}) {
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  const events: StatusEvent[] = [];
  return {
    events,
    options: {
      signal: controller.signal,
      onStatus: (event: StatusEvent) => events.push(event),
      bodies: 'pieces' as const,
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
      ...extra,
    },
  };
}

async function firstFrames(stream: AsyncIterable<MediaPacket | PiecesMediaPacket>, count: number) {
  const frames: (MediaPacket | PiecesMediaPacket)[] = [];
  for await (const packet of stream) {
    if (packet.type === 'image/jpeg') frames.push(packet);
    if (frames.length === count) break;
  }
  return frames;
}

describe('deriveWsTarget', () => {
  it.each([
    ['http://h:8080/cams/front/av', { url: 'ws://h:8080/ws', camera: 'front', audio: true, fps: undefined }],
    ['https://h/p/cams/a%20b/stream?fps=5', { url: 'wss://h/p/ws', camera: 'a b', audio: false, fps: 5 }],
    ['http://h/av?key=k1', { url: 'ws://h/ws?key=k1', camera: undefined, audio: true, fps: undefined }],
    ['http://h/prefix/av', { url: 'ws://h/prefix/ws', camera: undefined, audio: true, fps: undefined }],
  ])('%s → %o', (url, expected) => {
    expect(deriveWsTarget(url)).toEqual(expected);
  });

  it.each([
    ['http://h/stream'],
    ['http://h/?action=stream'],
    ['http://h/cams/front/snapshot.jpg'],
    ['ftp://h/av'],
    ['http://h/av?audio=pcmu'],
    ['http://h/cams/front/stream?advance_headers=1'],
  ])('derives nothing from %s', (url) => {
    expect(deriveWsTarget(url)).toBeUndefined();
  });

  it('resolves a relative URL against the page', () => {
    expect(deriveWsTarget('/cams/desk/av', 'https://example.org/view')?.url).toBe('wss://example.org/ws');
  });
});

describe('openPlayerTransport', () => {
  it('auto: plays /ws when the server says hello (stats.transport ws)', async () => {
    const server = await serve('ws');
    const { options, events } = streamOptions();
    const stream = openPlayerTransport(`${server.base}/cams/front/av`, options, { WebSocket: WS });
    const frames = await firstFrames(stream, 3);
    expect(stream.stats.transport).toBe('ws');
    expect(frames.every((frame) => 'body' in frame && frame.body[0] === 0xff)).toBe(true);
    expect(stream.stats.fps).toBeGreaterThan(0);
    expect(server.upgrades).toBe(1);
    expect(events.some((event) => event.state === 'open')).toBe(true);
  });

  it('auto: the default camera for /av comes from the hello', async () => {
    const server = await serve('ws');
    const { options } = streamOptions();
    const stream = openPlayerTransport(`${server.base}/av`, options, { WebSocket: WS });
    await firstFrames(stream, 1);
    expect(stream.stats.transport).toBe('ws');
  });

  it('auto: falls back to the URL over fetch when the upgrade fails, and skips the probe next time', async () => {
    const server = await serve('refuse');
    const first = streamOptions();
    const stream = openPlayerTransport(`${server.base}/cams/front/av`, first.options, { WebSocket: WS });
    await firstFrames(stream, 2);
    expect(stream.stats.transport).toBe('av');
    expect(stream.stats.parser).toBe('multipart');
    // The failed probe reported nothing: the page sees only the fetch path's events.
    expect(first.events.some((event) => event.state === 'reconnecting')).toBe(false);
    const again = openPlayerTransport(`${server.base}/cams/front/av`, streamOptions().options, {
      WebSocket: WS,
    });
    await firstFrames(again, 1);
    expect(again.stats.transport).toBe('av');
    expect(server.upgrades).toBe(1);
  });

  it('auto: falls back after wsOpenTimeoutMs when the socket opens but no hello comes', async () => {
    const server = await serve('silent');
    const started = Date.now();
    const stream = openPlayerTransport(`${server.base}/cams/front/av`, streamOptions().options, {
      WebSocket: WS,
      wsOpenTimeoutMs: 300,
    });
    await firstFrames(stream, 1);
    expect(stream.stats.transport).toBe('av');
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it.each([
    ['a URL with no /ws to derive', '/stream', {}],
    ['headers passed', '/cams/front/av', { headers: { 'x-a': '1' } }],
  ])('auto: goes straight to fetch for %s', async (_name, path, extra) => {
    const server = await serve('ws');
    const stream = openPlayerTransport(`${server.base}${path}`, streamOptions(extra).options, {
      WebSocket: WS,
    });
    await firstFrames(stream, 1);
    expect(stream.stats.transport).toBe('av');
    expect(server.upgrades).toBe(0);
  });

  it("transport 'av' never tries /ws", async () => {
    const server = await serve('ws');
    const stream = openPlayerTransport(`${server.base}/av`, streamOptions().options, {
      WebSocket: WS,
      transport: 'av',
    });
    await firstFrames(stream, 1);
    expect(stream.stats.transport).toBe('av');
    expect(server.upgrades).toBe(0);
  });

  it("transport 'ws' throws INVALID_OPTION for a URL with no /ws, and fails instead of falling back", async () => {
    expect(() =>
      openPlayerTransport('http://127.0.0.1:9/stream', streamOptions().options, {
        WebSocket: WS,
        transport: 'ws',
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', option: 'transport' }));
    const server = await serve('refuse');
    const stream = openPlayerTransport(`${server.base}/av`, streamOptions({ reconnect: false }).options, {
      WebSocket: WS,
      transport: 'ws',
    });
    await expect(firstFrames(stream, 1)).rejects.toMatchObject({ code: 'STREAM_FAILED' });
  });
});
