/**
 * Latency on a slow link: the real server's 640×480 30 fps synthetic camera (~3.8 Mbit/s of
 * video, ~4.1 with its 16 kHz audio) through a throttling proxy (test-support/throttle-proxy.ts,
 * 2 Mbit/s downstream, a 64 KiB queue that pauses the server's socket beyond it), each row on a
 * fresh link: openWsStream and openStream('/av') in Node, the DOM player forced onto /ws and /av
 * in Chromium, and a native <img src=/stream>. Frame age = the consumer's moment (Node: the frame
 * yielded; Chromium: the player's draw) minus the frame's timestamp, one host clock. The link's
 * physical limit is its rate over the mean frame size.
 *
 * Run: npm run bench -- --only=slow-link in packages/client (or `cd bench && tsx slow-link.ts`;
 * `--quick` for a smoke pass). BENCH_SLOW_LINK_BPS changes the rate, BENCH_SECONDS the window.
 * Needs the built server and web app (npx turbo run build --filter=mjpeg-kit-server... at the root).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  filePrerequisite,
  formatLoadAverage,
  printRunHeader,
  readBenchOptions,
  requirePrerequisites,
  toolPrerequisite,
} from '@mjpeg-kit/bench-support';
import type { Browser } from 'playwright-core';
import { WebSocket } from 'ws';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { startThrottleProxy, type ThrottleProxy } from '../../../test-support/throttle-proxy.js';
import { openStream, openWsStream, type WebSocketConstructor } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER_CLI = `${ROOT}apps/server/dist/cli.js`;
const WEB_DIST = `${ROOT}apps/web/dist/index.html`;
const BUILD_FIX = 'run npx turbo run build --filter=mjpeg-kit-server... at the root';
const { quick } = readBenchOptions({ baseline: false });
const LINK_BPS = Number(process.env.BENCH_SLOW_LINK_BPS ?? 2_000_000);
const WARMUP_MS = quick ? 2000 : 4000;
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? (quick ? 5 : 20)) * 1000;
const SOURCE_FPS = 30;
/** The synthetic camera's audio: 16 kHz mono L16. */
const AUDIO_BPS = 16_000 * 16;

interface Row {
  name: string;
  /** Frame ages, ms (empty where they cannot be observed). */
  ages: number[];
  /** Frames delivered per second. */
  fps: number;
  /** Bits per second the link carried in the window. */
  linkBps: number;
  frameBytes?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [SERVER_CLI, '--host', '127.0.0.1', '--port', '0', '--size', '640x480', '--fps', String(SOURCE_FPS)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/[^\s/]+:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ port: Number(match[1]), child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

/** Bytes the link carried over the measured window, as bits per second. */
async function measureLink(
  proxy: ThrottleProxy,
  during: () => Promise<void>,
): Promise<{ linkBps: number; seconds: number }> {
  const before = proxy.stats.downstreamBytes;
  const started = performance.now();
  await during();
  const seconds = (performance.now() - started) / 1000;
  return { linkBps: ((proxy.stats.downstreamBytes - before) * 8) / seconds, seconds };
}

/** A Node row: video frame ages of `packets` after the warm-up, for MEASURE_MS. */
async function nodeRow(
  name: string,
  proxy: ThrottleProxy,
  controller: AbortController,
  packets: AsyncIterable<{ type: string; timestamp: number; body: Uint8Array }>,
): Promise<Row> {
  const ages: number[] = [];
  let frameBytes = 0;
  const hardStop = setTimeout(() => controller.abort(), WARMUP_MS + MEASURE_MS + 10_000);
  const iterator = packets[Symbol.asyncIterator]();
  const consume = async (untilMs: number, record: boolean) => {
    while (Date.now() < untilMs) {
      const next = await iterator.next();
      if (next.done) return;
      if (next.value.type !== 'image/jpeg' || !record) continue;
      ages.push(Date.now() - next.value.timestamp);
      frameBytes += next.value.body.length;
    }
  };
  try {
    await consume(Date.now() + WARMUP_MS, false);
    const { linkBps, seconds } = await measureLink(proxy, () => consume(Date.now() + MEASURE_MS, true));
    return {
      name,
      ages,
      fps: ages.length / seconds,
      linkBps,
      frameBytes: frameBytes / Math.max(1, ages.length),
    };
  } finally {
    clearTimeout(hardStop);
    controller.abort();
    await iterator.return?.();
  }
}

/** A Chromium row: the page loaded through `proxy`, its player replaced by one forced onto `transport`. */
async function playerRow(browser: Browser, proxy: ThrottleProxy, transport: 'ws' | 'av'): Promise<Row> {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  try {
    const page = await context.newPage();
    await page.goto(proxy.url);
    await page.waitForFunction(
      () => (window as { mjpegPlayer?: unknown }).mjpegPlayer !== undefined,
      undefined,
      {
        timeout: 20_000,
      },
    );
    await page.evaluate((chosen) => {
      const w = window as unknown as {
        __ages: number[];
        mjpegPlayer: EventTarget & { url: string; destroy(): void; stats: { transport: string } };
      };
      const old = w.mjpegPlayer;
      const Player = old.constructor as new (element: HTMLElement, options: object) => typeof old;
      const url = old.url;
      old.destroy();
      w.mjpegPlayer = new Player(document.getElementById('screen')!, { url, transport: chosen });
      w.__ages = [];
      w.mjpegPlayer.addEventListener('frame', (event) => {
        const info = (event as CustomEvent<{ drawnAt: number; timestamp: number }>).detail;
        w.__ages.push(info.drawnAt - info.timestamp);
      });
    }, transport);
    await sleep(WARMUP_MS);
    await page.evaluate(() => {
      (window as unknown as { __ages: number[] }).__ages.length = 0;
    });
    const { linkBps, seconds } = await measureLink(proxy, async () => {
      await sleep(MEASURE_MS);
    });
    const { ages, playing } = await page.evaluate(() => {
      const w = window as unknown as { __ages: number[]; mjpegPlayer: { stats: { transport: string } } };
      return { ages: [...w.__ages], playing: w.mjpegPlayer.stats.transport };
    });
    return { name: `Chromium MjpegPlayer, transport ${playing}`, ages, fps: ages.length / seconds, linkBps };
  } finally {
    await context.close();
  }
}

/** Native `<img src=/stream>`: no per-frame event, so frames delivered are the link's bytes over a part's size. */
async function nativeRow(browser: Browser, proxy: ThrottleProxy, frameBytes: number): Promise<Row> {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  try {
    const page = await context.newPage();
    await page.goto(`${proxy.url}state`);
    await page.setContent(`<body style="margin:0"><img src="${proxy.url}stream">`);
    await sleep(WARMUP_MS);
    const { linkBps } = await measureLink(proxy, async () => {
      await sleep(MEASURE_MS);
    });
    // A part adds ~120 bytes of boundary and headers to its JPEG.
    return {
      name: 'Chromium native <img src=/stream> (fps from bytes)',
      ages: [],
      fps: linkBps / 8 / (frameBytes + 120),
      linkBps,
    };
  } finally {
    await context.close();
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (value: number, digits = 0) => (Number.isNaN(value) ? '–' : value.toFixed(digits));
const ms = (value: number) => (Number.isNaN(value) ? '–' : `${value.toFixed(0)} ms`);

export async function runSlowLinkBench(): Promise<void> {
  await requirePrerequisites([
    filePrerequisite(SERVER_CLI, 'the slow-link rows (the server)', BUILD_FIX),
    filePrerequisite(WEB_DIST, 'the slow-link Chromium rows (the player page)', BUILD_FIX),
    toolPrerequisite(
      CHROMIUM_PATH,
      "the slow-link Chromium rows (Debian's Chromium)",
      'apt-get install chromium',
    ),
  ]);
  const server = await startServer();
  const proxies: ThrottleProxy[] = [];
  const link = async () => {
    const proxy = await startThrottleProxy({
      target: { port: server.port },
      downstreamBitsPerSecond: LINK_BPS,
    });
    proxies.push(proxy);
    return proxy;
  };
  const rows: Row[] = [];
  let browser: Browser | undefined;
  try {
    {
      const proxy = await link();
      const controller = new AbortController();
      const stream = openWsStream(`ws://127.0.0.1:${proxy.port}/ws`, 'default', {
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        audio: true,
        signal: controller.signal,
      });
      rows.push(await nodeRow('Node openWsStream /ws (audio on, credit 2)', proxy, controller, stream));
    }
    {
      const proxy = await link();
      const controller = new AbortController();
      const stream = openStream(`${proxy.url}av`, { signal: controller.signal });
      rows.push(await nodeRow('Node openStream /av', proxy, controller, stream));
    }
    browser = await launchChromium();
    rows.push(await playerRow(browser, await link(), 'ws'));
    rows.push(await playerRow(browser, await link(), 'av'));
    rows.push(await nativeRow(browser, await link(), rows[0]!.frameBytes ?? 16_000));
  } finally {
    await browser?.close();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    server.child.kill('SIGTERM');
  }
  const frameBytes = rows[0]!.frameBytes ?? Number.NaN;
  const streamBps = frameBytes * 8 * SOURCE_FPS;
  console.log(
    `\n## A ${LINK_BPS / 1e6} Mbit/s link (throttle proxy, 64 KiB queue), mjpeg-kit-server synthetic 640×480 @ ${SOURCE_FPS} fps\n\n` +
      `mean frame ${fmt(frameBytes)} B: video ${fmt(streamBps / 1e6, 2)} Mbit/s (+${AUDIO_BPS / 1000} kbit/s audio on /av and /ws here), ` +
      `link / stream = ${fmt(LINK_BPS / (streamBps + AUDIO_BPS), 2)}; every row on a fresh link, ${MEASURE_MS / 1000} s after a ${WARMUP_MS / 1000} s warm-up\n` +
      `physical limit: ${fmt(LINK_BPS / 8 / frameBytes, 1)} frames/s video only, ${fmt((LINK_BPS - AUDIO_BPS) / 8 / frameBytes, 1)} with the audio\n`,
  );
  console.log('| path | frame age p50 | p95 | max | frames/s delivered | link Mbit/s used |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.name} | ${ms(percentile(row.ages, 50))} | ${ms(percentile(row.ages, 95))} | ${ms(row.ages.length ? Math.max(...row.ages) : Number.NaN)} | ${fmt(row.fps, 1)} | ${fmt(row.linkBps / 1e6, 2)} |`,
    );
  }
  console.log(`\nload average after: ${formatLoadAverage()}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printRunHeader('@mjpeg-kit/client benchmark: a slow link, /ws against /av');
  await runSlowLinkBench();
}
