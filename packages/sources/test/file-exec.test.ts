import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { afterAll, describe, expect, it } from 'vitest';
import { needs, skipWithout } from '../../../test-support/tools.js';
import type { SourceError } from '../src/errors.js';
import { execSource } from '../src/node/exec-source.js';
import { mjpegFileSource } from '../src/node/mjpeg-file.js';
import { makeTestFrames } from './helpers/jpeg.js';

const noFfmpeg = skipWithout('ffmpeg');
const FRAMES = makeTestFrames(3);
const dir = mkdtempSync(join(tmpdir(), 'sources-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function drain(
  source: AsyncIterable<MediaPacket>,
  limit = Number.POSITIVE_INFINITY,
): Promise<MediaPacket[]> {
  const out: MediaPacket[] = [];
  for await (const packet of source) {
    out.push(packet);
    if (out.length >= limit) break;
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('mjpegFileSource', () => {
  it('reads concatenated JPEGs (with junk between them) paced at fps', async () => {
    const path = join(dir, 'raw.mjpeg');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from('junk'), ...FRAMES.map((f) => Buffer.from(f)), Buffer.from([0xff, 0xd8])]),
    );
    const source = mjpegFileSource(path, { fps: 50 });
    const frames = await drain(source);
    expect(frames).toHaveLength(3);
    frames.forEach((frame, i) => {
      expect(same(frame.body, FRAMES[i]!)).toBe(true);
      expect(frame.seq).toBe(i);
      if (i > 0) expect(frame.timestamp - frames[i - 1]!.timestamp).toBeCloseTo(20, 6);
    });
    expect(source.stats.format).toBe('jpeg');
  });

  it('reads a saved multipart stream, boundary taken from its first line', async () => {
    const path = join(dir, 'saved.multipart');
    const parts = FRAMES.map((f) =>
      Buffer.concat([
        Buffer.from(`--myBOUNDARY\r\nContent-Type: image/jpeg\r\nContent-Length: ${f.length}\r\n\r\n`),
        Buffer.from(f),
        Buffer.from('\r\n'),
      ]),
    );
    writeFileSync(path, Buffer.concat([...parts, Buffer.from('--myBOUNDARY--\r\n')]));
    const source = mjpegFileSource(path, { fps: 100 });
    const frames = await drain(source);
    expect(frames.map((f) => FRAMES.findIndex((x) => same(x, f.body)))).toEqual([0, 1, 2]);
    expect(source.stats.format).toBe('multipart');
  });

  it('loops when asked', async () => {
    const path = join(dir, 'loop.mjpeg');
    writeFileSync(path, Buffer.concat(FRAMES.map((f) => Buffer.from(f))));
    const source = mjpegFileSource(path, { fps: 200, loop: true });
    const frames = await drain(source, 7);
    expect(frames.map((f) => FRAMES.findIndex((x) => same(x, f.body)))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(source.stats.loops).toBe(2);
  });

  it('throws OPEN_FAILED for a missing file and BAD_FRAME for a file without frames', async () => {
    await expect(drain(mjpegFileSource(join(dir, 'missing.mjpeg')))).rejects.toMatchObject({
      code: 'OPEN_FAILED',
    });
    const path = join(dir, 'empty.mjpeg');
    writeFileSync(path, 'no frames here');
    await expect(drain(mjpegFileSource(path, { loop: true }))).rejects.toMatchObject({ code: 'BAD_FRAME' });
  });

  it('stops on abort between frames', async () => {
    const path = join(dir, 'slow.mjpeg');
    writeFileSync(path, Buffer.concat(FRAMES.map((f) => Buffer.from(f))));
    const controller = new AbortController();
    const events: StatusEvent[] = [];
    const frames: MediaPacket[] = [];
    for await (const frame of mjpegFileSource(path, {
      fps: 1,
      signal: controller.signal,
      onStatus: (e) => events.push(e),
    })) {
      frames.push(frame);
      controller.abort();
    }
    expect(frames).toHaveLength(1);
    expect(events.map((e) => e.state)).toEqual(['connecting', 'open', 'closed']);
  });
});

/** A node one-liner printing the test frames on stdout, then exiting. */
function printFramesScript(path: string): string[] {
  return [
    process.execPath,
    '-e',
    `process.stdout.write(require('fs').readFileSync(${JSON.stringify(path)}))`,
  ];
}

describe('execSource', () => {
  it('yields the frames a child writes and respawns it after it exits', async () => {
    const path = join(dir, 'exec.mjpeg');
    writeFileSync(path, Buffer.concat(FRAMES.map((f) => Buffer.from(f))));
    const events: StatusEvent[] = [];
    const source = execSource(printFramesScript(path), {
      reconnect: { minDelayMs: 10, maxDelayMs: 20 },
      onStatus: (e) => events.push(e),
    });
    const frames = await drain(source, 5);
    expect(frames.map((f) => FRAMES.findIndex((x) => same(x, f.body)))).toEqual([0, 1, 2, 0, 1]);
    expect(source.stats.spawns).toBe(2);
    const reconnecting = events.find((e) => e.state === 'reconnecting');
    expect(reconnecting).toMatchObject({ attempt: 1 });
    expect((reconnecting!.error as SourceError).code).toBe('EXITED');
    expect(source.stats.lastExit?.code).toBe(0);
  });

  it('gives up after maxAttempts with EXITED and the stderr tail', async () => {
    const source = execSource('echo "no camera here" >&2; exit 3', {
      reconnect: { minDelayMs: 1, maxAttempts: 2 },
    });
    const error = await drain(source).catch((e: SourceError) => e);
    expect((error as SourceError).code).toBe('EXITED');
    expect((error as SourceError).message).toMatch(/code 3.*no camera here/);
    expect(source.stats.spawns).toBe(2);
  });

  it('kills the child (its whole process group) on abort', async () => {
    const controller = new AbortController();
    const path = join(dir, 'one.jpg');
    writeFileSync(path, FRAMES[0]!);
    // A shell that prints one frame, then sleeps: the sleep must die with it.
    const source = execSource(`cat ${path}; sleep 30`, { signal: controller.signal });
    const frames: MediaPacket[] = [];
    for await (const frame of source) {
      frames.push(frame);
      controller.abort();
    }
    expect(frames).toHaveLength(1);
    expect(source.stats.spawns).toBe(1);
    // Signal 0 probes the group: ESRCH once the shell and its sleep are gone (the sleep,
    // orphaned by the shell, dies a moment later: poll, bounded).
    const groupAlive = () => {
      try {
        process.kill(-source.stats.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && groupAlive(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(groupAlive()).toBe(false);
  });

  it.skipIf(noFfmpeg)(`reads ffmpeg's MJPEG output ${needs('ffmpeg')}`, async () => {
    const source = execSource(
      'ffmpeg -v error -f lavfi -i testsrc=size=160x120:rate=25 -frames:v 4 -c:v mjpeg -f mjpeg -',
      { reconnect: { maxAttempts: 1 } },
    );
    const frames = await drain(source, 4);
    expect(frames).toHaveLength(4);
    for (const frame of frames) expect(Array.from(frame.body.subarray(0, 2))).toEqual([0xff, 0xd8]);
  });
});
