/**
 * 100 sockets that ask for /stream and never read, for 10 s: the server's memory
 * stays bounded, a healthy viewer still gets most of the source frame rate, and the server
 * drops the stalled sockets once they have drained nothing for `--stall-timeout`.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, type StreamWatcher, splitResponse, watchStream } from './interop-helpers/http.js';
import { sleep, waitFor } from './interop-helpers/process.js';
import { type RunningServer, rssMb, startServer } from './interop-helpers/server.js';

const FPS = 30;
const STALLED = 100;
const STALL_SECONDS = 10;
const STALL_TIMEOUT_SECONDS = 3;
/** What 100 unbounded queues would add in 10 s at this size is ~10× this. */
const RSS_GROWTH_LIMIT_MB = 100;

async function viewersNow(port: number): Promise<number> {
  const { bytes } = await rawExchange(port, 'GET /state HTTP/1.0\r\n\r\n', { timeoutMs: 5000 });
  const response = splitResponse(bytes);
  expect(response.status).toBe(200);
  return (JSON.parse(response.body.toString('utf8')) as { viewers: number }).viewers;
}

/** Polls /state until it lists `count` viewers or `timeoutMs` passes; returns the last count. */
async function viewersReach(port: number, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let viewers = await viewersNow(port);
  while (viewers !== count && Date.now() < deadline) {
    await sleep(250);
    viewers = await viewersNow(port);
  }
  return viewers;
}

/** Opens a socket, sends the request and never reads: the kernel buffers fill, then the server's. */
function openStalled(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.pause();
    socket.once('connect', () => {
      socket.write('GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

describe(`${STALLED} stalled sockets`, () => {
  let server: RunningServer;
  let healthy: StreamWatcher;
  const stalled: Socket[] = [];

  beforeAll(async () => {
    server = await startServer([
      '--size',
      '640x480',
      '--fps',
      String(FPS),
      '--audio',
      'none',
      '--stall-timeout',
      String(STALL_TIMEOUT_SECONDS),
    ]);
    healthy = watchStream(`${server.url}stream`);
    expect((await healthy.response).statusCode).toBe(200);
  });

  afterAll(async () => {
    healthy?.close();
    for (const socket of stalled) socket.destroy();
    await server?.stop();
  });

  it('keep memory bounded and the healthy viewer served, and are dropped after the stall timeout', async () => {
    // Warm up, so the baseline holds the server's steady state.
    expect(await waitFor(() => healthy.frames() >= FPS, 10_000), 'healthy viewer warm-up').toBe(true);
    const baselineMb = rssMb(server.pid);
    for (let i = 0; i < STALLED; i++) stalled.push(await openStalled(server.port));
    const closed = new Set<Socket>();
    for (const socket of stalled) socket.once('close', () => closed.add(socket));
    expect(await viewersReach(server.port, STALLED + 1, 5000)).toBe(STALLED + 1);

    const framesBefore = healthy.frames();
    let peakMb = baselineMb;
    const started = Date.now();
    let droppedAfter = Number.NaN;
    while (Date.now() - started < STALL_SECONDS * 1000) {
      peakMb = Math.max(peakMb, rssMb(server.pid));
      if (Number.isNaN(droppedAfter) && (await viewersNow(server.port)) === 1) {
        droppedAfter = (Date.now() - started) / 1000;
      }
      await sleep(250);
    }
    const elapsed = (Date.now() - started) / 1000;
    const healthyFrames = healthy.frames() - framesBefore;

    // Dropped: the server lists only the healthy viewer (a little slack for the timer's period).
    expect(await viewersReach(server.port, 1, 5000)).toBe(1);
    if (Number.isNaN(droppedAfter)) droppedAfter = (Date.now() - started) / 1000;
    // And really closed: once read, every stalled socket ends (what it was sent, then EOF).
    for (const socket of stalled) socket.resume();
    // (Up to ~4 MB each sits in the server's kernel send buffer, so allow for a slow host.)
    expect(await waitFor(() => closed.size === STALLED, 30_000), `${closed.size} of ${STALLED} ended`).toBe(
      true,
    );

    console.info(
      `stall: RSS ${baselineMb.toFixed(0)} → peak ${peakMb.toFixed(0)} MB, healthy ${(healthyFrames / elapsed).toFixed(1)} fps, ` +
        `stalled dropped ≤ ${droppedAfter.toFixed(1)} s after they stopped reading (--stall-timeout ${STALL_TIMEOUT_SECONDS})`,
    );
    expect(peakMb - baselineMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    // Generous floor: half of the source rate, on a machine shared with other suites.
    expect(healthyFrames / elapsed).toBeGreaterThanOrEqual(FPS * 0.5);
    expect(healthy.ended()).toBe(false);
    expect(server.output()).toMatch(/stall/i);
  }, 90_000);
});
