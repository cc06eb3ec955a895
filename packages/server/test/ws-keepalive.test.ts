import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { HandlerContext } from '../src/handler-context.js';
import { createBaseHeaders, resolveHandlerOptions } from '../src/handler-options.js';
import { CameraRegistry, MjpegHub } from '../src/index.js';
import { WsRoute } from '../src/ws-route.js';
import type { WsSessionTimings } from '../src/ws-session.js';
import { frame, sleep } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A WsRoute with short timings on its own server (the handler uses the defaults). */
async function start(
  timings: Partial<WsSessionTimings>,
): Promise<{ url: string; hub: MjpegHub; route: WsRoute }> {
  const hub = new MjpegHub({ closeTimeoutMs: 200, repeatStillMs: 0 });
  const config = resolveHandlerOptions({});
  const handler: HandlerContext = {
    cameras: new CameraRegistry([{ name: 'default', hub, runs: [], audio: false }]),
    config,
    baseHeaders: createBaseHeaders(config),
    metrics: undefined,
    onViewerEvent: undefined,
  };
  const route = new WsRoute(handler, timings);
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head) => {
    if (!route.upgrade(req, socket, head)) socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    await hub.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, hub, route };
}

function connect(url: string, options: { autoPong?: boolean } = {}): WebSocket {
  const ws = new WebSocket(url, ['mjpeg-kit.v1'], options);
  ws.on('error', () => {});
  cleanups.push(async () => ws.terminate());
  return ws;
}

const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('/ws keepalive', () => {
  it('pings, and terminates a connection that never pongs', async () => {
    const { url, route } = await start({ pingIntervalMs: 50, pongTimeoutMs: 200 });
    const ws = connect(url, { autoPong: false });
    let pings = 0;
    ws.on('ping', () => pings++);
    await once(ws, 'open');
    const code = await closed(ws);
    expect(pings).toBeGreaterThanOrEqual(2);
    // Terminated: no close frame, so the client sees 1006.
    expect(code).toBe(1006);
    expect(route.connectionCount).toBe(0);
  });

  it('keeps a connection that answers pings', async () => {
    const { url, route } = await start({ pingIntervalMs: 50, pongTimeoutMs: 200 });
    const ws = connect(url);
    await once(ws, 'open');
    await sleep(600);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(route.connectionCount).toBe(1);
  });
});

describe('/ws buffered bound', () => {
  it('skips frames for a client that stopped reading though its credit allows more, queueing none', async () => {
    const maxBufferedBytes = 64 * 1024;
    const { url, hub } = await start({ maxBufferedBytes });
    const ws = connect(url);
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'subscribe', camera: 'default', credit: 16 }));
    let frames = 0;
    ws.on('message', (_data, isBinary) => {
      if (isBinary) frames++;
      // Always grant back: only the socket holds frames back.
      if (isBinary) ws.send(JSON.stringify({ type: 'credit', camera: 'default', frames: 1 }));
    });
    await sleep(50);
    ws.pause();
    const frameBytes = 200 * 1024;
    for (let i = 0; i < 200; i++) {
      hub.publish(frame(i & 0xff, Date.now(), frameBytes));
      if (i % 20 === 19) await sleep(5);
    }
    const stats = hub.stats;
    // Everything not sent was skipped: nothing queued beyond one pending frame.
    expect(stats.framesSent + stats.framesSkipped).toBeGreaterThanOrEqual(199);
    expect(stats.framesSkipped).toBeGreaterThan(100);
    ws.resume();
    await sleep(200);
    expect(frames).toBeGreaterThan(0);
  }, 20_000);
});
