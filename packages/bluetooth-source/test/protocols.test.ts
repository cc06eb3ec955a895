import type { MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import { portCameraSource } from '../src/camera/camera-source.js';
import { Ov528Camera } from '../src/camera/ov528.js';
import { PortReader } from '../src/camera/port.js';
import { createCameraStats } from '../src/camera/session.js';
import { trimToEoi, Vc0706Camera } from '../src/camera/vc0706.js';
import type { CameraEmulator } from '../src/emulator/frames.js';
import { Ov528Emulator } from '../src/emulator/ov528-emulator.js';
import { Vc0706Emulator } from '../src/emulator/vc0706-emulator.js';
import { SourceError } from '../src/errors.js';
import { makeTestFrames } from './helpers/frames.js';
import { memoryLink } from './helpers/memory-link.js';

const FRAMES = makeTestFrames(4);

function vc0706Over(emulator: CameraEmulator, options = {}, chunkBytes = 7) {
  const link = memoryLink(emulator, chunkBytes);
  const stats = createCameraStats();
  const camera = new Vc0706Camera(new PortReader(link), (b) => link.write(b), stats, {
    timeoutMs: 50,
    resetTimeoutMs: 100,
    blockBytes: 256,
    ...options,
  });
  return { link, stats, camera };
}

function ov528Over(emulator: CameraEmulator, options = {}, chunkBytes = 7) {
  const link = memoryLink(emulator, chunkBytes);
  const stats = createCameraStats();
  const camera = new Ov528Camera(new PortReader(link), (b) => link.write(b), stats, {
    timeoutMs: 50,
    syncTimeoutMs: 10,
    packageBytes: 128,
    ...options,
  });
  return { link, stats, camera };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as SourceError).code;
  }
}

describe.each([1, 2, 5, 13, 4096])('replies arriving in %i-byte chunks', (chunkBytes) => {
  it('VC0706 frames come out byte-identical', async () => {
    const { camera } = vc0706Over(new Vc0706Emulator({ frames: FRAMES }), { blockBytes: 512 }, chunkBytes);
    await camera.start();
    expect(await camera.next()).toEqual(FRAMES[0]);
    expect(await camera.next()).toEqual(FRAMES[1]);
  });

  it('OV528 frames come out byte-identical', async () => {
    const { camera } = ov528Over(new Ov528Emulator({ frames: FRAMES }), {}, chunkBytes);
    await camera.start();
    expect(await camera.next()).toEqual(FRAMES[0]);
    expect(await camera.next()).toEqual(FRAMES[1]);
  });
});

describe('Vc0706Camera', () => {
  it('captures the camera frames byte-identical, in order', async () => {
    const emulator = new Vc0706Emulator({ frames: FRAMES });
    const { camera, stats } = vc0706Over(emulator);
    await camera.start();
    for (const expected of [...FRAMES, FRAMES[0]!]) expect(await camera.next()).toEqual(expected);
    expect(emulator.stats.resets).toBe(1);
    expect(stats.retries).toBe(0);
  });

  it('writes the image size register and resets to apply it', async () => {
    const emulator = new Vc0706Emulator({ frames: FRAMES });
    const { camera } = vc0706Over(emulator, { resolution: '160x120' });
    await camera.start();
    expect(emulator.sizeRegister).toBe(0x22);
    expect(emulator.stats.resets).toBe(2);
  });

  it('resends a command whose reply was lost', async () => {
    const emulator = new Vc0706Emulator({ frames: FRAMES });
    const { camera, stats } = vc0706Over(emulator);
    await camera.start();
    emulator.dropReplies = 1;
    expect(await camera.next()).toEqual(FRAMES[0]);
    expect(stats.retries).toBe(1);
    expect(stats.timeouts).toBe(1);
  });

  it('throws TIMEOUT after every retry when the camera stops answering', async () => {
    const emulator = new Vc0706Emulator({ frames: FRAMES });
    const { camera, stats } = vc0706Over(emulator, { retries: 2 });
    await camera.start();
    emulator.silent = true;
    expect(await codeOf(camera.next())).toBe('TIMEOUT');
    expect(stats.timeouts).toBe(3);
  });

  it('refuses an announced frame above maxFrameBytes without reading it', async () => {
    const emulator = new Vc0706Emulator({ frames: FRAMES });
    const { camera, stats } = vc0706Over(emulator, { maxFrameBytes: 100 });
    await camera.start();
    expect(await camera.next()).toBeUndefined();
    expect(stats.droppedFrames).toBe(1);
    expect((stats.lastError as SourceError).code).toBe('FRAME_TOO_LARGE');
  });

  it('drops a frame buffer that is not a whole JPEG', async () => {
    const broken = FRAMES[0]!.slice(0, 300);
    const emulator = new Vc0706Emulator({ frames: [broken, FRAMES[1]!] });
    const { camera, stats } = vc0706Over(emulator);
    await camera.start();
    expect(await camera.next()).toBeUndefined();
    expect(await camera.next()).toEqual(FRAMES[1]);
    expect(stats.droppedFrames).toBe(1);
  });

  it('trims firmware padding after EOI', () => {
    const padded = new Uint8Array(FRAMES[0]!.length + 5);
    padded.set(FRAMES[0]!);
    expect(trimToEoi(padded)).toEqual(FRAMES[0]);
    expect(trimToEoi(Uint8Array.of(0, 1, 2, 3))).toBeUndefined();
  });
});

describe('Ov528Camera', () => {
  it('syncs, then captures frames byte-identical over packages', async () => {
    const emulator = new Ov528Emulator({ frames: FRAMES, syncDelay: 3 });
    const { camera } = ov528Over(emulator);
    await camera.start();
    expect(emulator.packageBytes).toBe(128);
    for (const expected of FRAMES) expect(await camera.next()).toEqual(expected);
    expect(emulator.stats.syncs).toBe(4);
  });

  it('requests a package again when its checksum is wrong', async () => {
    const emulator = new Ov528Emulator({ frames: FRAMES });
    const { camera, stats } = ov528Over(emulator);
    await camera.start();
    const before = stats.retries;
    emulator.corruptPackages = 2;
    expect(await camera.next()).toEqual(FRAMES[0]);
    expect(stats.retries - before).toBe(2);
  });

  it('throws CHECKSUM when a package stays corrupt after every retry', async () => {
    const emulator = new Ov528Emulator({ frames: FRAMES });
    const { camera } = ov528Over(emulator, { retries: 1 });
    await camera.start();
    emulator.corruptPackages = 5;
    expect(await codeOf(camera.next())).toBe('CHECKSUM');
  });

  it('throws TIMEOUT when no SYNC is answered', async () => {
    const emulator = new Ov528Emulator({ frames: FRAMES });
    emulator.silent = true;
    const { camera } = ov528Over(emulator, { syncAttempts: 5 });
    expect(await codeOf(camera.start())).toBe('TIMEOUT');
    expect(emulator.stats.syncs).toBe(0);
  });

  it('rejects a package size outside 64..512', () => {
    expect(() => ov528Over(new Ov528Emulator({ frames: FRAMES }), { packageBytes: 1024 })).toThrow(
      SourceError,
    );
  });
});

describe('portCameraSource', () => {
  it('reconnects after a link failure and never yields a cut frame', async () => {
    const emulator = new Vc0706Emulator({ frames: FRAMES });
    const links: ReturnType<typeof memoryLink>[] = [];
    const events: StatusEvent[] = [];
    const controller = new AbortController();
    const source = portCameraSource(
      async () => {
        const link = memoryLink(emulator);
        links.push(link);
        return link;
      },
      {
        mode: 'vc0706',
        timeoutMs: 50,
        resetTimeoutMs: 50,
        blockBytes: 64,
        reconnect: { minDelayMs: 5, maxDelayMs: 20 },
        signal: controller.signal,
        onStatus: (e) => events.push(e),
      },
    );
    const frames: MediaPacket[] = [];
    for await (const frame of source) {
      frames.push(frame);
      // Fail the link in the middle of the next frame's block reads (after its 6th command).
      if (frames.length === 2) links.at(-1)!.failAtWrite = links.at(-1)!.writes + 6;
      if (frames.length === 5) break;
    }
    expect(links.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames) expect(FRAMES.some((f) => Buffer.from(f).equals(frame.body))).toBe(true);
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4]);
    const reconnecting = events.find((e) => e.state === 'reconnecting');
    expect(reconnecting).toMatchObject({ attempt: 1 });
    expect(reconnecting!.delayMs).toBeGreaterThanOrEqual(2);
    expect((reconnecting!.error as SourceError).code).toBe('LINK_LOST');
    expect(events.at(-1)!.state).toBe('closed');
    expect(source.stats.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('gives up after maxAttempts with the last error, reported as closed', async () => {
    const emulator = new Ov528Emulator({ frames: FRAMES });
    emulator.silent = true;
    const events: StatusEvent[] = [];
    const source = portCameraSource(async () => memoryLink(emulator), {
      mode: 'ov528',
      syncAttempts: 2,
      syncTimeoutMs: 5,
      reconnect: { minDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
      onStatus: (e) => events.push(e),
    });
    let thrown: unknown;
    try {
      for await (const _ of source) {
        /* no frame comes */
      }
    } catch (error) {
      thrown = error;
    }
    expect((thrown as SourceError).code).toBe('TIMEOUT');
    expect(events.filter((e) => e.state === 'reconnecting').map((e) => e.attempt)).toEqual([1, 2]);
    expect(events.at(-1)).toMatchObject({ state: 'closed', error: thrown });
  });

  it('reports OPEN_FAILED when the port cannot open, then keeps trying', async () => {
    const events: StatusEvent[] = [];
    const source = portCameraSource(
      async () => {
        throw new Error('ENOENT: no such file');
      },
      { reconnect: { minDelayMs: 1, maxDelayMs: 1, maxAttempts: 2 }, onStatus: (e) => events.push(e) },
    );
    await expect(source.next()).rejects.toMatchObject({ code: 'OPEN_FAILED' });
    expect(events.map((e) => e.state)).toEqual(['connecting', 'reconnecting', 'connecting', 'closed']);
  });

  it('ends at once with INVALID_OPTION for a bad protocol option, without retrying', async () => {
    const events: StatusEvent[] = [];
    const source = portCameraSource(async () => memoryLink(new Ov528Emulator({ frames: FRAMES })), {
      mode: 'ov528',
      packageBytes: 2048,
      onStatus: (e) => events.push(e),
    });
    await expect(source.next()).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    expect(events.some((e) => e.state === 'reconnecting')).toBe(false);
  });

  it('ends quietly on abort while waiting for a reply, and closes the port', async () => {
    const emulator = new Vc0706Emulator({ frames: FRAMES });
    emulator.silent = true;
    const controller = new AbortController();
    const events: StatusEvent[] = [];
    let link: ReturnType<typeof memoryLink> | undefined;
    const source = portCameraSource(
      async () => {
        link = memoryLink(emulator);
        return link;
      },
      { mode: 'vc0706', timeoutMs: 10_000, signal: controller.signal, onStatus: (e) => events.push(e) },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(source.next()).resolves.toMatchObject({ done: true });
    expect(link?.closed).toBe(true);
    expect(events.map((e) => e.state)).toEqual(['connecting', 'closed']);
  });

  it('rejects an unknown mode', () => {
    expect(() =>
      portCameraSource(async () => memoryLink(new Ov528Emulator({ frames: FRAMES })), {
        mode: 'x' as 'stream',
      }),
    ).toThrow(SourceError);
  });
});

describe('stream mode over portCameraSource', () => {
  it('throws TIMEOUT when the camera stays silent past idleTimeoutMs', async () => {
    const silent: CameraEmulator = { silent: true, receive: () => [] };
    const source = portCameraSource(async () => memoryLink(silent), {
      idleTimeoutMs: 30,
      reconnect: { maxAttempts: 1 },
    });
    await expect(source.next()).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});
