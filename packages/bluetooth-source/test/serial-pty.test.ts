import type { MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { afterEach, describe, expect, it } from 'vitest';
import { needs, skipWithout } from '../../../test-support/tools.js';
import type { Vc0706Emulator } from '../src/emulator/vc0706-emulator.js';
import type { SourceError } from '../src/errors.js';
import { serialCameraSource } from '../src/node/serial-camera.js';
import { createPtyPair, type PtyPair, type ServedCamera, serveEmulatedCamera } from '../src/testing.js';
import { makeTestFrames } from './helpers/frames.js';

const noSocat = skipWithout('socat');
const FRAMES = makeTestFrames(5);
const FAST = 921600;

/** Index of `body` in FRAMES, or -1: every frame that escapes must be one of them, whole. */
function frameIndex(body: Uint8Array): number {
  return FRAMES.findIndex((f) => Buffer.from(f).equals(body));
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function pair(): Promise<PtyPair> {
  const p = await createPtyPair();
  cleanup.push(() => p.close());
  return p;
}

async function serve(options: Parameters<typeof serveEmulatedCamera>[0]): Promise<ServedCamera> {
  const served = await serveEmulatedCamera(options);
  cleanup.push(() => served.close());
  return served;
}

/** Collects frames until `until` holds; every wait is bounded by `maxMs`. */
async function take(
  source: AsyncIterable<MediaPacket>,
  until: (frames: MediaPacket[]) => boolean,
  onFrame?: (frames: MediaPacket[]) => void | Promise<void>,
): Promise<MediaPacket[]> {
  const frames: MediaPacket[] = [];
  for await (const frame of source) {
    frames.push(frame);
    await onFrame?.(frames);
    if (until(frames)) break;
  }
  return frames;
}

describe.skipIf(noSocat)(`serialCameraSource over a real pty pair ${needs('socat')}`, () => {
  it('stream mode: frames arrive byte-identical and in order', async () => {
    const pty = await pair();
    await serve({ path: pty.devicePath, mode: 'stream', frames: FRAMES, baudRate: FAST });
    const source = serialCameraSource({
      path: pty.hostPath,
      baudRate: FAST,
      signal: AbortSignal.timeout(10_000),
    });
    const frames = await take(source, (f) => f.length >= 6);
    const first = frameIndex(frames[0]!.body);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(frames.map((f) => frameIndex(f.body))).toEqual(frames.map((_, i) => (first + i) % FRAMES.length));
    expect(source.stats.frames).toBe(6);
  });

  it('stream mode: noise and cut frames on the line never yield a broken frame', async () => {
    const pty = await pair();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const noise = (index: number) => {
      const junk = Array.from({ length: 20 + (index % 5) * 7 }, () => Math.floor(random() * 256));
      // A fake SOI in the junk, and every other time the first part of a real frame.
      junk.splice(5, 0, 0xff, 0xd8, 0xff);
      const cut = index % 2 === 0 ? FRAMES[(index + 1) % FRAMES.length]!.subarray(0, 300) : new Uint8Array(0);
      return Uint8Array.from([...junk, ...cut]);
    };
    await serve({ path: pty.devicePath, mode: 'stream', frames: FRAMES, baudRate: FAST, noise });
    const source = serialCameraSource({
      path: pty.hostPath,
      baudRate: FAST,
      signal: AbortSignal.timeout(10_000),
    });
    const frames = await take(source, (f) => f.length >= 8);
    for (const frame of frames) expect(frameIndex(frame.body)).toBeGreaterThanOrEqual(0);
    expect(source.stats.skippedBytes + source.stats.droppedFrames).toBeGreaterThan(0);
  });

  it('vc0706 mode: captures byte-identical frames in camera order', async () => {
    const pty = await pair();
    await serve({ path: pty.devicePath, mode: 'vc0706', frames: FRAMES, baudRate: FAST });
    const source = serialCameraSource({
      path: pty.hostPath,
      mode: 'vc0706',
      baudRate: FAST,
      resolution: '160x120',
      signal: AbortSignal.timeout(10_000),
    });
    const frames = await take(source, (f) => f.length >= 3);
    expect(frames.map((f) => frameIndex(f.body))).toEqual([0, 1, 2]);
  });

  it('ov528 mode: captures byte-identical frames in camera order', async () => {
    const pty = await pair();
    await serve({ path: pty.devicePath, mode: 'ov528', frames: FRAMES, baudRate: FAST });
    const source = serialCameraSource({
      path: pty.hostPath,
      mode: 'ov528',
      baudRate: FAST,
      packageBytes: 256,
      signal: AbortSignal.timeout(10_000),
    });
    const frames = await take(source, (f) => f.length >= 3);
    expect(frames.map((f) => frameIndex(f.body))).toEqual([0, 1, 2]);
  });

  it.each(['stream', 'vc0706'] as const)(
    '%s mode: recovers from a link dropped mid-frame and restored; no broken frame escapes',
    async (mode) => {
      const pty = await pair();
      let camera = await serve({ path: pty.devicePath, mode, frames: FRAMES, baudRate: 115200 });
      const events: StatusEvent[] = [];
      const source = serialCameraSource({
        path: pty.hostPath,
        mode,
        baudRate: 115200,
        timeoutMs: 300,
        resetTimeoutMs: 200,
        reconnect: { minDelayMs: 50, maxDelayMs: 200 },
        signal: AbortSignal.timeout(15_000),
        onStatus: (e) => events.push(e),
      });
      let dropped = false;
      let cutMidTransfer = false;
      const dropMidTransfer = async () => {
        // Wait (bounded) until the camera is in the middle of sending a frame (stream) or a
        // READ_FBUF block (vc0706, 1034 bytes): some of it on the line, some still queued.
        const midTransfer = () => camera.pendingBytes >= 200 && camera.pendingBytes <= 800;
        for (let i = 0; i < 1500 && !midTransfer(); i++) await new Promise((r) => setTimeout(r, 2));
        await pty.drop();
        await camera.closed;
        cutMidTransfer = camera.pendingBytes > 0;
        await new Promise((r) => setTimeout(r, 300));
        await pty.restore();
        camera = await serve({ path: pty.devicePath, mode, frames: FRAMES, baudRate: 115200 });
      };
      let recovery: Promise<void> | undefined;
      const frames = await take(
        source,
        (f) => dropped && f.length >= 5,
        (f) => {
          if (f.length !== 2 || dropped) return;
          dropped = true;
          // Not awaited: the source keeps capturing while the link goes away under it.
          recovery = dropMidTransfer();
        },
      );
      await recovery;
      expect(cutMidTransfer).toBe(true);
      for (const frame of frames) expect(frameIndex(frame.body)).toBeGreaterThanOrEqual(0);
      const reconnecting = events.filter((e) => e.state === 'reconnecting');
      expect(reconnecting.length).toBeGreaterThanOrEqual(1);
      expect(reconnecting[0]).toMatchObject({ attempt: 1 });
      expect(['LINK_LOST', 'OPEN_FAILED']).toContain((reconnecting[0]!.error as SourceError).code);
      expect(events.filter((e) => e.state === 'open').length).toBeGreaterThanOrEqual(2);
      // Stream mode saw the cut frame's first bytes and counts it; vc0706 lost a block read.
      if (mode === 'stream') expect(source.stats.droppedFrames).toBeGreaterThanOrEqual(1);
    },
  );

  it('reports TIMEOUT retries and a clear error when the camera stops answering', async () => {
    const pty = await pair();
    const camera = await serve({ path: pty.devicePath, mode: 'vc0706', frames: FRAMES, baudRate: FAST });
    const events: StatusEvent[] = [];
    const source = serialCameraSource({
      path: pty.hostPath,
      mode: 'vc0706',
      baudRate: FAST,
      timeoutMs: 100,
      retries: 1,
      resetTimeoutMs: 100,
      reconnect: { minDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 },
      signal: AbortSignal.timeout(10_000),
      onStatus: (e) => events.push(e),
    });
    let thrown: unknown;
    const frames: MediaPacket[] = [];
    try {
      await take(
        source,
        () => false,
        (f) => {
          frames.push(f.at(-1)!);
          if (f.length === 2) (camera.emulator as Vc0706Emulator).silent = true;
        },
      );
    } catch (error) {
      thrown = error;
    }
    expect(frames).toHaveLength(2);
    expect((thrown as SourceError).code).toBe('TIMEOUT');
    expect((thrown as SourceError).message).toMatch(/failed after 2 attempts/);
    expect(events.find((e) => e.state === 'reconnecting')?.error).toMatchObject({ code: 'TIMEOUT' });
    expect(events.at(-1)).toMatchObject({ state: 'closed', error: thrown });
    expect(source.stats.timeouts).toBeGreaterThanOrEqual(2);
  });
});
