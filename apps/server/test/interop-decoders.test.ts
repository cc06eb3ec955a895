/**
 * Real decoders against the real server, over real sockets: ffmpeg, GStreamer, VLC, curl and
 * Chromium read /stream, /snapshot.jpg and /audio.wav from the built CLI on 127.0.0.1, because
 * only the clients people actually point at a camera prove the bytes are right. Each tool runs briefly and every run is time-bounded.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { findTool, hasTool, toolGate } from '../../../test-support/tools.js';
import { run, sleep, start, waitFor } from './interop-helpers/process.js';
import { type RunningServer, startServer } from './interop-helpers/server.js';
import { hasGstElement } from './interop-helpers/tools.js';

const WIDTH = 320;
const HEIGHT = 240;
const FPS = 30;

const ffmpeg = findTool('ffmpeg');
const gstreamer = toolGate(
  'GStreamer (gst-launch-1.0 with souphttpsrc, multipartdemux, jpegdec)',
  hasTool('gst-launch-1.0') && ['souphttpsrc', 'multipartdemux', 'jpegdec'].every(hasGstElement),
);
const vlc = toolGate('VLC (cvlc)', hasTool('cvlc'));
const curl = findTool('curl');
const chromium = toolGate(`Chromium (${CHROMIUM_PATH})`, hasTool(CHROMIUM_PATH));

let server: RunningServer;
let scratch: string;

beforeAll(async () => {
  server = await startServer(['--size', `${WIDTH}x${HEIGHT}`, '--fps', String(FPS)]);
  scratch = mkdtempSync(join(tmpdir(), 'mjpeg-kit-interop-'));
});

afterAll(async () => {
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('ffmpeg', () => {
  it.skipIf(ffmpeg.skip)(`decodes at least 30 frames from /stream${ffmpeg.label}`, async () => {
    ffmpeg.assertPresent();
    const result = await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostdin',
        '-f',
        'mpjpeg',
        '-i',
        `${server.url}stream`,
        '-frames:v',
        '30',
        '-progress',
        'pipe:1',
        '-f',
        'null',
        '-',
      ],
      { timeoutMs: 20_000 },
    );
    expect(result.timedOut, result.stderr).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`Video: mjpeg.*${WIDTH}x${HEIGHT}`));
    const frames = [...result.stdout.matchAll(/^frame=(\d+)$/gm)].map((match) => Number(match[1]));
    expect(frames.at(-1)).toBeGreaterThanOrEqual(30);
  });

  it.skipIf(ffmpeg.skip)(`reads /audio.wav as 16-bit PCM${ffmpeg.label}`, async () => {
    ffmpeg.assertPresent();
    const result = await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostdin',
        '-probesize',
        '32768',
        '-i',
        `${server.url}audio.wav`,
        '-t',
        '1',
        '-f',
        'null',
        '-',
      ],
      { timeoutMs: 20_000 },
    );
    expect(result.timedOut, result.stderr).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    const audio = /Audio: pcm_s16le\b[^,]*, (\d+) Hz, (mono|stereo|\d+ channels)/.exec(result.stderr);
    expect(audio, result.stderr).not.toBeNull();
    expect([8000, 16000, 22050, 24000, 32000, 44100, 48000]).toContain(Number(audio![1]));
    // One second of audio really went through the decoder.
    const time = [...result.stderr.matchAll(/time=(\d+):(\d+):(\d+\.\d+)/g)].at(-1);
    expect(time).toBeDefined();
    expect(Number(time![3]) + 60 * Number(time![2])).toBeGreaterThanOrEqual(0.9);
  });
});

describe('GStreamer', () => {
  it.skipIf(gstreamer.skip)(
    `decodes 30 frames through souphttpsrc ! multipartdemux ! jpegdec${gstreamer.label}`,
    async () => {
      gstreamer.assertPresent();
      const result = await run(
        'gst-launch-1.0',
        [
          '-v',
          'souphttpsrc',
          `location=${server.url}stream`,
          'timeout=10',
          '!',
          'multipartdemux',
          '!',
          'jpegdec',
          '!',
          'fakesink',
          'num-buffers=30',
          'silent=false',
        ],
        { timeoutMs: 20_000 },
      );
      expect(result.timedOut, result.stdout + result.stderr).toBe(false);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      // fakesink logs each buffer it receives: these are decoded raw pictures.
      const decoded = [...result.stdout.matchAll(/fakesink0: last-message = chain .*?\((\d+) bytes/g)].map(
        (match) => Number(match[1]),
      );
      expect(decoded.length).toBe(30);
      // At least a full-resolution luma plane per picture.
      for (const bytes of decoded) expect(bytes).toBeGreaterThanOrEqual(WIDTH * HEIGHT);
      expect(result.stdout).toContain('Got EOS');
    },
  );
});

describe('VLC', () => {
  it.skipIf(vlc.skip)(`plays /stream, writing decoded pictures${vlc.label}`, async () => {
    vlc.assertPresent();
    // VLC refuses to run as root; the scene filter writes every third decoded picture as a PNG.
    const out = mkdtempSync(join(tmpdir(), 'mjpeg-kit-interop-vlc-'));
    chmodSync(out, 0o777);
    try {
      await playWithVlc(out);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

/** Plays /stream with VLC until it has written enough decoded pictures into `out`. */
async function playWithVlc(out: string): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const vlcArgs = [
    '--intf',
    'dummy',
    '--vout',
    'dummy',
    '--aout',
    'dummy',
    '--no-audio',
    '--video-filter=scene',
    `--scene-path=${out}`,
    '--scene-prefix=frame',
    '--scene-format=png',
    '--scene-ratio=3',
    `${server.url}stream`,
  ];
  const command = asRoot ? 'runuser' : 'cvlc';
  const args = asRoot ? ['-u', 'nobody', '--', 'cvlc', ...vlcArgs] : vlcArgs;
  const pngs = (): string[] => readdirSync(out).filter((name) => name.endsWith('.png'));
  const vlcRun = start(command, args, { timeoutMs: 20_000 });
  let exited = false;
  void vlcRun.done.then(() => {
    exited = true;
  });
  // 11 pictures at a ratio of 3: VLC decoded at least 30 frames.
  await waitFor(() => exited || pngs().length >= 11, 15_000, 200);
  // A live stream plays until stopped.
  vlcRun.stop();
  const result = await vlcRun.done;
  const written = pngs().sort();
  expect(written.length, result.stderr).toBeGreaterThanOrEqual(11);
  // The last one may be half written when VLC is killed; the first is complete.
  const first = readFileSync(join(out, written[0]!));
  expect([...first.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // VLC keeps its picture buffer's padded height (240 lines come out as 256).
  expect(first.readUInt32BE(16)).toBe(WIDTH);
  expect(first.readUInt32BE(20)).toBeGreaterThanOrEqual(HEIGHT);
  expect(first.readUInt32BE(20)).toBeLessThanOrEqual(HEIGHT + 32);
}

describe('curl', () => {
  it.skipIf(curl.skip)(`gets a valid /snapshot.jpg${curl.label}`, async () => {
    curl.assertPresent();
    const file = join(scratch, 'snapshot.jpg');
    const result = await run(
      'curl',
      [
        '-sS',
        '--max-time',
        '10',
        '-o',
        file,
        '-w',
        '%{http_code} %{content_type} %{size_download}',
        `${server.url}snapshot.jpg`,
      ],
      { timeoutMs: 15_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const [status, contentType, size] = result.stdout.split(' ');
    expect(status).toBe('200');
    expect(contentType).toMatch(/^image\/jpeg/);
    const jpeg = readFileSync(file);
    expect(jpeg.length).toBe(Number(size));
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9]);
    if (hasTool('identify')) {
      const identified = await run('identify', ['-format', '%m %w %h', file], { timeoutMs: 10_000 });
      expect(identified.stdout.trim()).toBe(`JPEG ${WIDTH} ${HEIGHT}`);
    } else if (hasTool('ffmpeg')) {
      const decoded = await run('ffmpeg', ['-hide_banner', '-i', file, '-f', 'null', '-'], {
        timeoutMs: 10_000,
      });
      expect(decoded.code, decoded.stderr).toBe(0);
    }
  });
});

describe('Chromium', () => {
  it.skipIf(chromium.skip)(
    `shows <img src=/stream> and the picture moves${chromium.label}`,
    async () => {
      chromium.assertPresent();
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
        await page.goto(`${server.url}state`, { timeout: 10_000 });
        await page.setContent(
          `<!doctype html><body style="margin:0"><img id="video" src="${server.url}stream"></body>`,
        );
        await page.waitForFunction(
          () => {
            const img = document.getElementById('video') as HTMLImageElement | null;
            return img !== null && img.naturalWidth > 0;
          },
          undefined,
          { timeout: 10_000 },
        );
        const size = await page.evaluate(() => {
          const img = document.getElementById('video') as HTMLImageElement;
          return [img.naturalWidth, img.naturalHeight];
        });
        expect(size).toEqual([WIDTH, HEIGHT]);
        const video = page.locator('#video');
        const first = await video.screenshot({ timeout: 10_000 });
        await sleep(1000);
        const second = await video.screenshot({ timeout: 10_000 });
        expect(first.length).toBeGreaterThan(0);
        expect(Buffer.compare(first, second)).not.toBe(0);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
