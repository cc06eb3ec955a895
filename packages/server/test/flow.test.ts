import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { MjpegHub, shutdownGracefully } from '../src/index.js';
import {
  BIG_FRAME_BYTES,
  decodeChunked,
  frame,
  hasHead,
  partsOf,
  publishUntilBusy,
  readParts,
  sleep,
  splitResponse,
  trackSockets,
  useTestServer,
} from './helpers.js';

const { start, connect, open } = useTestServer();

describe('slow and stalled viewers', () => {
  it('skips frames for a viewer that does not read, never queueing more than one write', async () => {
    const server = await start({ stallTimeoutMs: 60_000, repeatStillMs: 0 });
    const sockets = trackSockets(server);
    const slow = await open('/stream');
    slow.socket.pause();
    const fast = await open('/stream');
    const serverSide = sockets.get(slow.socket.localPort!)!;
    let peakQueued = 0;
    const published = 80;
    for (let i = 0; i < published; i++) {
      server.hub.publish(frame(i, Date.now(), BIG_FRAME_BYTES));
      peakQueued = Math.max(peakQueued, serverSide.writableLength);
      await sleep(2);
    }
    // One frame in flight at most (head + body + tail + chunk framing), never a backlog.
    expect(peakQueued).toBeLessThanOrEqual(BIG_FRAME_BYTES + 1024);
    expect(server.hub.stats.framesSkipped).toBeGreaterThan(0);
    await fast.waitFor(
      () => partsOf(fast).some((part) => part.body[60] === published - 1),
      10_000,
      'the last frame',
    );
    slow.socket.resume();
    await slow.waitFor(
      () => partsOf(slow).some((part) => part.body[60] === published - 1),
      10_000,
      'the last frame',
    );
    const received = partsOf(slow).map((part) => part.body[60]!);
    expect(received.length).toBeLessThan(published);
    // Whatever it got, it got in order: skipping, never reordering.
    expect([...received].sort((a, b) => a - b)).toEqual(received);
  });

  it('disconnects a viewer that drains nothing for stallTimeoutMs and logs it as stalled', async () => {
    const server = await start({ stallTimeoutMs: 200, repeatStillMs: 0 });
    const sockets = trackSockets(server);
    const stalled = await open('/stream');
    stalled.socket.pause();
    const healthy = await open('/stream');
    const serverSide = sockets.get(stalled.socket.localPort!)!;
    await publishUntilBusy(server, serverSide);
    expect(serverSide.writableLength).toBeGreaterThan(0);
    const deadline = Date.now() + 5000;
    while (!serverSide.destroyed && Date.now() < deadline) await sleep(20);
    expect(serverSide.destroyed).toBe(true);
    expect(server.hub.stats.viewersStalled).toBe(1);
    expect(server.logs.some((line) => /left \/stream: stalled after/.test(line))).toBe(true);
    // The healthy viewer is untouched.
    expect(server.hub.viewerCount).toBe(1);
    server.hub.publish(frame(0xee));
    await healthy.waitFor(() => partsOf(healthy).some((part) => part.body[60] === 0xee), 10_000);
  });

  it('caps a viewer at ?fps=N and sends it the newest frame', async () => {
    const server = await start({ repeatStillMs: 0 });
    const capped = await open('/stream?fps=10');
    const free = await open('/stream');
    const started = Date.now();
    let last = 0;
    while (Date.now() - started < 600) {
      server.hub.publish(frame(++last & 0xff));
      await sleep(10);
    }
    const elapsed = Date.now() - started;
    await free.waitFor(() => partsOf(free).some((part) => part.body[60] === (last & 0xff)));
    await sleep(150);
    const cappedCount = partsOf(capped).length;
    // At most one frame per 100 ms, plus the first one at once and one pending at the end.
    expect(cappedCount).toBeLessThanOrEqual(Math.floor(elapsed / 100) + 2);
    expect(cappedCount).toBeGreaterThanOrEqual(2);
    expect(partsOf(free).length).toBeGreaterThan(cappedCount);
    // The deferred send delivers the newest frame, not a stale one.
    expect(partsOf(capped).at(-1)!.body[60]).toBe(last & 0xff);
  });
});

describe('a still scene', () => {
  it('re-sends the latest frame to /stream viewers after repeatStillMs without a new one, not to /av', async () => {
    const server = await start({ repeatStillMs: 100 });
    server.hub.publish(frame(0x61));
    const stream = await open('/stream');
    const av = await open('/av');
    await stream.waitFor(() => partsOf(stream).length >= 3, 3000, 'two repeats');
    const parts = partsOf(stream);
    expect(parts.every((part) => part.body[60] === 0x61)).toBe(true);
    expect(server.hub.stats.framesRepeated).toBeGreaterThanOrEqual(2);
    expect(partsOf(av)).toHaveLength(1);
  });
});

describe('active and idle', () => {
  it('calls onActive when the first viewer comes and onIdle when the last leaves', async () => {
    const calls: string[] = [];
    const server = await start({ onActive: () => calls.push('active'), onIdle: () => calls.push('idle') });
    const a = await open('/stream');
    const b = await open('/stream');
    expect(calls).toEqual(['active']);
    a.close();
    await sleep(50);
    expect(calls).toEqual(['active']);
    b.close();
    const deadline = Date.now() + 2000;
    while (calls.length < 2 && Date.now() < deadline) await sleep(10);
    expect(calls).toEqual(['active', 'idle']);
    expect(server.logs.filter((line) => /left \/stream: done/.test(line)).length).toBe(2);
  });

  it('counts a snapshot waiting for a fresh frame as activity', async () => {
    const calls: string[] = [];
    const hub = new MjpegHub({ onActive: () => calls.push('active'), onIdle: () => calls.push('idle') });
    const waiting = hub.waitForFrame(0, 1000);
    expect(calls).toEqual(['active']);
    hub.publish(frame(0x10));
    expect((await waiting)?.body[60]).toBe(0x10);
    expect(calls).toEqual(['active', 'idle']);
    await hub.close();
  });
});

describe('shutdownGracefully', () => {
  it('ends HTTP/1.1 and HTTP/1.0 streams cleanly, closes the server and resolves', async () => {
    const server = await start();
    server.hub.publish(frame(0x55));
    const modern = await open('/stream');
    const old = await connect('GET /stream HTTP/1.0\r\n\r\n');
    const idle = await connect('GET /state HTTP/1.1\r\nHost: x\r\n\r\n');
    await modern.waitFor(() => partsOf(modern).length >= 1);
    await old.waitFor(
      (bytes) => hasHead(bytes) && readParts(splitResponse(bytes).body, 'testboundary').parts.length >= 1,
    );
    await idle.waitFor((bytes) => bytes.includes('"viewers"'));
    await shutdownGracefully(server.server, server.hub, { timeoutMs: 2000 });
    expect(server.server.listening).toBe(false);
    const modernBody = splitResponse(await modern.waitForEnd()).body;
    expect(decodeChunked(modernBody).done).toBe(true);
    const oldBody = splitResponse(await old.waitForEnd()).body;
    expect(readParts(oldBody, 'testboundary').parts.length).toBe(1);
    await idle.waitForEnd();
    expect(Buffer.from(oldBody.subarray(-18)).toString('latin1')).toBe('\r\n--testboundary\r\n');
  });
});
