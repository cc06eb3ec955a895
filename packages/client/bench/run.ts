/**
 * The client's benches: first openStream in Node (node.ts), then the DOM player against
 * Chromium's native <img> multipart rendering, in Debian's headless Chromium, on the real
 * server's 1280×720 30 fps synthetic stream: pictures on screen per second (counted from the
 * compositor's screencast, the same way for both), the player's own draw rate, main-thread
 * animation frames and long tasks, latency from X-Timestamp to draw, each row in the same
 * window; then, in a row of its own, memory after forced GCs over 2000 drawn frames.
 *
 * Run: npm run bench (in packages/client; `-- --quick` for a smoke pass, `--only=<row>` for one
 * of node, pieces, slow-link, engines, decode, native, image-decoder, img, image-bitmap, memory). Needs /usr/bin/chromium and the
 * built server and web app, which the root `npm run bench` has turbo build first; on its own:
 *   npx turbo run build --filter=mjpeg-kit-server...   (at the root: the CLI and the web app)
 * BENCH_SECONDS (rate window) and BENCH_MEMORY_FRAMES (memory row length) override the defaults.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  filePrerequisite,
  formatLoadAverage,
  printRunHeader,
  readBenchOptions,
  readOption,
  requirePrerequisites,
  toolPrerequisite,
} from '@mjpeg-kit/bench-support';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { runDecodeBench } from './decode.js';
import { runEnginesBench } from './engines.js';
import { runNodeBench } from './node.js';
import { runPiecesBench } from './pieces.js';
import { runSlowLinkBench } from './slow-link.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER_CLI = `${ROOT}apps/server/dist/cli.js`;
const WEB_DIST = `${ROOT}apps/web/dist/index.html`;
const SOURCE_FPS = 30;
const SIZE = '1280x720';
const { quick } = readBenchOptions({ baseline: false });
const WARMUP_MS = 3000;
/** Every rate row's measured window, after the warm-up. */
const RATE_SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 3 : 10));
/** The memory row draws this many frames, with a forced GC at 300, 1000 and here. */
const MEMORY_FRAMES = Number(process.env.BENCH_MEMORY_FRAMES ?? (quick ? 300 : 2000));
const ONLY = readOption('only') ?? process.env.BENCH_ONLY;
const BUILD_FIX = 'run npx turbo run build --filter=mjpeg-kit-server... at the root';

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [SERVER_CLI, '--host', '127.0.0.1', '--port', '0', '--size', SIZE, '--fps', String(SOURCE_FPS)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+\/)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

/**
 * Injected in every page: long tasks, and a requestAnimationFrame counter (how often the main
 * thread got to run a frame: a busy main thread shows as a low rate). Pictures on screen are counted
 * outside the page, from the compositor (see `measure`), so the count itself costs the page nothing.
 */
const INSTRUMENT = `
window.__bench = { longTasks: [], animationFrames: 0, latencies: [] };
new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__bench.longTasks.push(entry.duration); })
  .observe({ type: 'longtask', buffered: true });
const __benchTick = () => { window.__bench.animationFrames++; requestAnimationFrame(__benchTick); };
requestAnimationFrame(__benchTick);
`;

interface Sample {
  at: number;
  screenFrames: number;
  animationFrames: number;
  drawn: number;
  longTasks: number[];
  latencies: number[];
  bitrateBps: number;
}

async function sample(page: Page, screenFrames: number): Promise<Sample> {
  const inPage = await page.evaluate(() => {
    const bench = (
      window as unknown as {
        __bench: { animationFrames: number; longTasks: number[]; latencies: number[] };
      }
    ).__bench;
    const player = (
      window as unknown as { mjpegPlayer?: { stats: { framesDrawn: number; bitrateBps: number } } }
    ).mjpegPlayer;
    return {
      at: performance.now(),
      animationFrames: bench.animationFrames,
      drawn: player?.stats.framesDrawn ?? 0,
      longTasks: [...bench.longTasks],
      latencies: bench.latencies.splice(0),
      bitrateBps: player?.stats.bitrateBps ?? 0,
    };
  });
  return { ...inPage, screenFrames };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function rendererRssMb(browserSession: CDPSession): Promise<number> {
  const info = (await browserSession.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[];
  };
  let kb = 0;
  for (const process of info.processInfo) {
    if (process.type !== 'renderer') continue;
    try {
      const status = readFileSync(`/proc/${process.id}/status`, 'utf8');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // The process exited between the two calls.
    }
  }
  return kb / 1024;
}

async function heapMb(page: Page): Promise<number> {
  const session = await page.context().newCDPSession(page);
  await session.send('HeapProfiler.collectGarbage');
  const usage = (await session.send('Runtime.getHeapUsage')) as { usedSize: number };
  await session.detach();
  return usage.usedSize / 1024 / 1024;
}

interface Result {
  name: string;
  drawnPerSecond: number | undefined;
  seenPerSecond: number;
  animationFramesPerSecond: number;
  longTaskCount: number;
  longTaskMaxMs: number;
  latencyP50: number | undefined;
  latencyP99: number | undefined;
  mbPerSecond: number | undefined;
}

/** Heap and renderer RSS after a forced GC, at each checkpoint of drawn frames. */
interface MemoryResult {
  name: string;
  frames: number[];
  heapMb: number[];
  rssMb: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh browser context with the page instrumented and opened by `open`. */
async function openInstrumented(browser: Browser, open: (page: Page) => Promise<void>) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await context.addInitScript(INSTRUMENT);
  const page = await context.newPage();
  await open(page);
  await page.evaluate(() => {
    const w = window as unknown as { __bench: { latencies: number[] }; mjpegPlayer?: EventTarget };
    w.mjpegPlayer?.addEventListener('frame', (event) => {
      const info = (event as CustomEvent<{ drawnAt: number; timestamp: number }>).detail;
      w.__bench.latencies.push(info.drawnAt - info.timestamp);
    });
  });
  // Pictures on screen, counted where the compositor delivers them: a <img> showing a multipart
  // stream fires no per-frame event, and reading its pixels from the page would force a decode on
  // the main thread. Each screencast frame is a new composited frame; identical ones are not counted.
  const screencast = await context.newCDPSession(page);
  let screenFrames = 0;
  let lastData = '';
  screencast.on('Page.screencastFrame', (frame: { data: string; sessionId: number }) => {
    if (frame.data !== lastData) screenFrames++;
    lastData = frame.data;
    screencast.send('Page.screencastFrameAck', { sessionId: frame.sessionId }).catch(() => undefined);
  });
  await screencast.send('Page.startScreencast', {
    format: 'jpeg',
    quality: 40,
    maxWidth: 640,
    maxHeight: 400,
  });
  await sleep(WARMUP_MS); // warm up: connect, first frames, JIT
  return { context, page, screencast, screenFrames: () => screenFrames };
}

/**
 * One rate row: after the warm-up, RATE_SECONDS measured with nothing else in the window (no
 * forced GC, no heap probe), the same for every row.
 */
async function measure(browser: Browser, name: string, open: (page: Page) => Promise<void>): Promise<Result> {
  const { context, page, screencast, screenFrames } = await openInstrumented(browser, open);
  const start = await sample(page, screenFrames());
  const latencies: number[] = [];
  let end = start;
  const deadline = Date.now() + RATE_SECONDS * 1000;
  while (Date.now() < deadline) {
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
    end = await sample(page, screenFrames());
    latencies.push(...end.latencies);
  }
  await screencast.send('Page.stopScreencast').catch(() => undefined);
  const seconds = (end.at - start.at) / 1000;
  const newLongTasks = end.longTasks.slice(start.longTasks.length);
  await context.close();
  return {
    name,
    drawnPerSecond: end.drawn > 0 ? (end.drawn - start.drawn) / seconds : undefined,
    seenPerSecond: (end.screenFrames - start.screenFrames) / seconds,
    animationFramesPerSecond: (end.animationFrames - start.animationFrames) / seconds,
    longTaskCount: newLongTasks.length,
    longTaskMaxMs: newLongTasks.length > 0 ? Math.max(...newLongTasks) : 0,
    latencyP50: latencies.length > 0 ? percentile(latencies, 50) : undefined,
    latencyP99: latencies.length > 0 ? percentile(latencies, 99) : undefined,
    mbPerSecond: end.bitrateBps > 0 ? end.bitrateBps / 8 / 1e6 : undefined,
  };
}

/**
 * The memory row, on its own: draws until MEMORY_FRAMES frames (67 s at 30 fps, bounded at 3×
 * that), forcing a GC and reading the JS heap and renderer RSS at 300, 1000 and MEMORY_FRAMES
 * drawn frames. Its rates are not reported: the forced GCs run inside its window.
 */
async function measureMemory(
  browser: Browser,
  browserSession: CDPSession,
  name: string,
  open: (page: Page) => Promise<void>,
): Promise<MemoryResult> {
  const { context, page, screencast, screenFrames } = await openInstrumented(browser, open);
  const memory: MemoryResult = { name, frames: [], heapMb: [], rssMb: [] };
  const record = async (drawn: number) => {
    memory.frames.push(drawn);
    memory.heapMb.push(await heapMb(page));
    memory.rssMb.push(await rendererRssMb(browserSession));
  };
  const checkpoints = [300, 1000, MEMORY_FRAMES].filter(
    (at, i, all) => at <= MEMORY_FRAMES && all.indexOf(at) === i,
  );
  const deadline = Date.now() + (MEMORY_FRAMES / SOURCE_FPS) * 1000 * 3;
  let drawn = 0;
  while (checkpoints.length > 0 && Date.now() < deadline) {
    await sleep(1000);
    drawn = (await sample(page, screenFrames())).drawn;
    if (drawn >= checkpoints[0]!) {
      await record(drawn);
      while (checkpoints.length > 0 && drawn >= checkpoints[0]!) checkpoints.shift();
    }
  }
  // The deadline came first (a loaded machine): record where the run got to.
  if (checkpoints.length > 0) await record(drawn);
  await screencast.send('Page.stopScreencast').catch(() => undefined);
  await context.close();
  return memory;
}

const fmt = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);

const wanted = (row: string) => ONLY === undefined || ONLY === row;

async function main(): Promise<void> {
  printRunHeader('@mjpeg-kit/client benchmark');
  if (wanted('node')) await runNodeBench();
  if (wanted('pieces')) await runPiecesBench();
  if (wanted('slow-link')) await runSlowLinkBench();
  if (wanted('engines')) await runEnginesBench();
  if (wanted('decode')) await runDecodeBench();
  if (ONLY !== undefined && ['node', 'pieces', 'slow-link', 'engines', 'decode'].includes(ONLY)) return;
  await requirePrerequisites([
    toolPrerequisite(CHROMIUM_PATH, "the DOM rows (Debian's Chromium)", 'apt-get install chromium'),
    filePrerequisite(SERVER_CLI, 'the DOM rows (the server the page plays)', BUILD_FIX),
    filePrerequisite(WEB_DIST, 'the DOM rows (the player page)', BUILD_FIX),
  ]);
  const server = await startServer();
  const browser = await launchChromium();
  const browserSession = await browser.newBrowserCDPSession();
  const stream = `${server.url}stream`;
  const playerAt = (decoder: string) => async (page: Page) => {
    await page.goto(`${server.url}?url=${encodeURIComponent(stream)}&decoder=${decoder}`);
    // Hide the stats overlay: its updates would be composited frames of their own.
    await page.click('#toggle-stats');
  };
  const results: Result[] = [];
  let memory: MemoryResult | undefined;
  try {
    console.log(
      `\n## The DOM player in Chromium ${browser.version()}\n\nstream: mjpeg-kit-server synthetic ${SIZE} @ ${SOURCE_FPS} fps, ` +
        `/stream (video only); every row ${RATE_SECONDS} s after a ${WARMUP_MS / 1000} s warm-up, in a fresh context\n`,
    );
    if (wanted('native')) {
      results.push(
        await measure(browser, 'native <img src=/stream>', async (page) => {
          await page.goto(`${server.url}state`);
          await page.setContent(`<body style="margin:0"><img src="${stream}" style="width:100%">`);
        }),
      );
    }
    for (const decoder of ['image-decoder', 'img']) {
      if (wanted(decoder)) results.push(await measure(browser, `MjpegPlayer, ${decoder}`, playerAt(decoder)));
    }
    if (wanted('image-bitmap')) {
      results.push(await measure(browser, 'MjpegPlayer, image-bitmap (default)', playerAt('image-bitmap')));
    }
    if (wanted('memory')) {
      memory = await measureMemory(
        browser,
        browserSession,
        'MjpegPlayer, image-bitmap (default)',
        playerAt('image-bitmap'),
      );
    }
  } finally {
    await browser.close();
    server.child.kill('SIGTERM');
  }

  const native = results.find((r) => r.name.startsWith('native'));
  if (results.length > 0) {
    console.log(
      '| path | player draws/s | pictures on screen/s | main-thread rAF/s | vs native | vs source | long tasks > 50 ms (max) | X-Timestamp → draw p50 / p99 | stream MB/s |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  }
  for (const r of results) {
    const vsNative = native ? r.seenPerSecond / native.seenPerSecond : Number.NaN;
    console.log(
      `| ${r.name} | ${fmt(r.drawnPerSecond)} | ${fmt(r.seenPerSecond)} | ${fmt(r.animationFramesPerSecond, 0)} | ${fmt(vsNative, 2)}× | ${fmt(r.seenPerSecond / SOURCE_FPS, 2)}× | ${r.longTaskCount} (${fmt(r.longTaskMaxMs, 0)} ms) | ${fmt(r.latencyP50, 0)} / ${fmt(r.latencyP99, 0)} ms | ${fmt(r.mbPerSecond, 2)} |`,
    );
  }
  if (memory) {
    console.log(
      `\nMemory, ${memory.name}, a row of its own (forced GC at each line; its rates are not reported):\n`,
    );
    console.log('| frames drawn | JS heap MB | renderer RSS MB |');
    console.log('|---:|---:|---:|');
    for (const [i, frames] of memory.frames.entries()) {
      console.log(`| ${frames} | ${fmt(memory.heapMb[i], 2)} | ${fmt(memory.rssMb[i], 0)} |`);
    }
  }
  console.log(`\nload average after: ${formatLoadAverage()}`);
}

await main();
