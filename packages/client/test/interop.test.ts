/**
 * The client against real servers: ffmpeg's own HTTP server, Debian's ustreamer (its blank
 * "NO SIGNAL" image, no camera needed) and the mjpeg-kit CLI. Each suite skips with the
 * reason when its tool is absent, and fails instead under CI.
 */
import { fileURLToPath } from 'node:url';
import { getBoundary, MultipartParser } from '@mjpeg-kit/boundary-parser';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { readJpegInfo } from '@mjpeg-kit/jpeg-scanner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool, requirements } from '../../../test-support/tools.js';
import { openStream } from '../src/index.js';
import { hex } from './helpers/media.js';
import { type Child, freePort, startChild, waitForOutput, waitForPort } from './helpers/process.js';
import { take, testOptions } from './helpers/stream.js';

const ffmpeg = findTool('ffmpeg');
const ustreamer = findTool('ustreamer');

function isWholeJpeg(body: Uint8Array): boolean {
  return body[0] === 0xff && body[1] === 0xd8 && body.at(-2) === 0xff && body.at(-1) === 0xd9;
}

describe.skipIf(ffmpeg.skip)(
  `ffmpeg -f mpjpeg -listen 1 (multipart as application/octet-stream)${ffmpeg.label}`,
  () => {
    let server: Child | undefined;
    let port = 0;

    beforeAll(async () => {
      ffmpeg.assertPresent();
      port = await freePort();
      server = startChild('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10'],
        ...['-c:v', 'mjpeg', '-q:v', '5', '-f', 'mpjpeg', '-listen', '1', `http://127.0.0.1:${port}/`],
      ]);
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('sniffs the delimiter line and yields whole 320×240 frames', async () => {
      // ffmpeg -listen accepts exactly one client, so no port probe: the client's own
      // reconnects cover the moment before it listens.
      const stream = openStream(`http://127.0.0.1:${port}/`, testOptions({}, 20_000).options);
      const frames = await take(stream, 5);
      expect(frames).toHaveLength(5);
      for (const frame of frames) {
        expect(frame.type).toBe('image/jpeg');
        expect(isWholeJpeg(frame.body)).toBe(true);
        expect(readJpegInfo(frame.body)).toMatchObject({ width: 320, height: 240 });
      }
      expect(new Set(frames.map((frame) => hex(frame.body))).size).toBeGreaterThan(1);
      expect(stream.stats).toMatchObject({ parser: 'multipart', boundary: 'ffmpeg' });
    });
  },
);

describe.skipIf(ustreamer.skip)(
  `ustreamer serving its blank image without a camera${ustreamer.label}`,
  () => {
    let server: Child | undefined;
    let url = '';

    beforeAll(async () => {
      ustreamer.assertPresent();
      const port = await freePort();
      server = startChild('ustreamer', [
        ...['--device', '/dev/mjpeg-kit-test-no-such-camera', '--host', '127.0.0.1', '--port', String(port)],
        ...['--device-timeout', '1', '--device-error-delay', '1'],
      ]);
      await waitForPort(port);
      url = `http://127.0.0.1:${port}`;
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('yields frames byte-identical to its /snapshot, with latency from X-Timestamp', async () => {
      const stream = openStream(`${url}/stream`, testOptions({}, 15_000).options);
      const frames = await take(stream, 3);
      expect(frames).toHaveLength(3);
      const snapshot = new Uint8Array(await (await fetch(`${url}/snapshot`)).arrayBuffer());
      expect(isWholeJpeg(snapshot)).toBe(true);
      for (const frame of frames) expect(hex(frame.body)).toBe(hex(snapshot));
      expect(stream.stats.parser).toBe('multipart');
      expect(stream.stats.boundary).toBe('boundarydonotcross');
      expect(stream.stats.latencyMs).toBeDefined();
    });
  },
);

const cliPath = fileURLToPath(new URL('../../../apps/server/dist/cli.js', import.meta.url));
// turbo builds apps/server before this package's tests (turbo.json); outside turbo the suite
// skips until the app is built (npx turbo run build --filter=mjpeg-kit-server...), and under CI
// it runs regardless, so a missing build fails.
const cli = requirements({ 'built server': cliPath });

describe.skipIf(cli.skip)(`the mjpeg-kit server CLI${cli.reason}`, () => {
  let server: Child | undefined;
  let base = '';

  beforeAll(async () => {
    cli.check();
    server = startChild(process.execPath, [cliPath, '--port', '0', '--size', '160x120', '--fps', '15']);
    base = (await waitForOutput(server, /mjpeg-kit-server listening on (http:\/\/\S+\/)/))[1]!;
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Frames of `path` read with the boundary parser alone, keyed by X-Frame-Seq. */
  async function rawFrames(path: string, count: number): Promise<Map<string, string>> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    const response = await fetch(`${base}${path}`, { signal: controller.signal });
    const parser = new MultipartParser(getBoundary(response.headers.get('content-type')!));
    const frames = new Map<string, string>();
    const reader = response.body!.getReader();
    try {
      while (frames.size < count) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const part of parser.write(value)) {
          if (part.contentType === 'image/jpeg') frames.set(part.headers.get('x-frame-seq')!, hex(part.body));
        }
      }
    } finally {
      clearTimeout(timer);
      await reader.cancel().catch(() => {});
    }
    return frames;
  }

  it('yields the frames a raw parse of the same stream yields, byte-identical, by X-Frame-Seq', async () => {
    const stream = openStream(`${base}stream`, testOptions().options);
    const [ours, raw] = await Promise.all([take(stream, 12), rawFrames('stream', 12)]);
    expect(ours).toHaveLength(12);
    const common = ours.filter((frame) => raw.has(String(frame.seq)));
    expect(common.length).toBeGreaterThanOrEqual(6);
    for (const frame of common) expect(hex(frame.body)).toBe(raw.get(String(frame.seq)));
    expect(stream.stats.parser).toBe('multipart');
    // Two processes' clocks (performance.timeOrigin + now()) usually agree to a millisecond, but a
    // clean-clone CI run on a loaded host saw them 297 ms apart (timeOrigin is read once per process
    // and drifts from the wall clock): this bounds the sign error, not the clocks' agreement.
    expect(stream.stats.latencyMs).toBeGreaterThan(-1_000);
    expect(stream.stats.latencyMs).toBeLessThan(5_000);
    expect(readJpegInfo(ours[0]!.body)).toMatchObject({ width: 160, height: 120 });
  });

  it('reads ?raw=1 (application/octet-stream, boundary in X-Boundary)', async () => {
    const stream = openStream(`${base}stream`, testOptions({ raw: true }).options);
    const frames = await take(stream, 3);
    expect(frames.every((frame) => isWholeJpeg(frame.body))).toBe(true);
    expect(stream.stats.url).toBe(`${base}stream?raw=1`);
    expect(stream.stats.parser).toBe('multipart');
  });

  it('reads /av: frames and L16 audio with its sample rate', async () => {
    const stream = openStream(`${base}av`, testOptions().options);
    const packets: MediaPacket[] = [];
    for await (const packet of stream) {
      packets.push(packet);
      if (
        packets.some((p) => p.type === 'image/jpeg') &&
        packets.filter((p) => p.type !== 'image/jpeg').length >= 5
      ) {
        break;
      }
    }
    const audio = packets.filter((packet) => packet.type !== 'image/jpeg');
    expect(audio.length).toBeGreaterThanOrEqual(5);
    for (const packet of audio) {
      expect(packet.type).toBe('audio/L16');
      expect(packet.sampleRate).toBeGreaterThan(0);
      expect(packet.channels).toBe(1);
      expect(packet.body.length % 2).toBe(0);
    }
    expect(stream.stats.audioPackets).toBe(audio.length);
  });
});
