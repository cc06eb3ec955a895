/**
 * The DOM player against Chromium's native <img> multipart rendering, in Debian's headless
 * Chromium, on the real server's 1280×720 30 fps synthetic stream: pictures on screen per second
 * (counted from the compositor's screencast, the same way for both), the player's own draw rate,
 * main-thread animation frames and long tasks, latency from X-Timestamp to draw, and memory after
 * 2000 frames.
 *
 * Run: npm run bench (in packages/client). Needs /usr/bin/chromium and a built server and web app:
 *   cd /work/main && npx turbo run build --filter=mjpeg-kit-server... && (cd apps/web && npx vite build)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER_CLI = `${ROOT}apps/server/dist/cli.js`;
const WEB_DIST = `${ROOT}apps/web/dist/index.html`;
const SOURCE_FPS = 30;
const SIZE = '1280x720';
const RATE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const MEMORY_FRAMES = Number(process.env.BENCH_MEMORY_FRAMES ?? 2000);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

if (!existsSync(CHROMIUM_PATH)) fail(`${CHROMIUM_PATH} not found: the bench drives Debian's Chromium.`);
if (!existsSync(SERVER_CLI))
  fail(`${SERVER_CLI} missing: run npx turbo run build --filter=mjpeg-kit-server... at the root.`);
if (!existsSync(WEB_DIST)) {
  console.log('building apps/web …');
  const built = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: `${ROOT}apps/web`,
    stdio: 'inherit',
  });
  if (built.status !== 0) fail('apps/web did not build');
}

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
  memory?: { frames: number[]; heapMb: number[]; rssMb: number[] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(
  browser: Browser,
  browserSession: CDPSession,
  name: string,
  open: (page: Page) => Promise<void>,
  memoryFrames = 0,
): Promise<Result> {
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
  await sleep(3000); // warm up: connect, first frames, JIT
  const start = await sample(page, screenFrames);
  const latencies: number[] = [];
  const memory = { frames: [] as number[], heapMb: [] as number[], rssMb: [] as number[] };
  let end = start;
  // The memory row runs until `memoryFrames` are drawn (67 s at 30 fps), bounded at 3× that.
  const runMs = memoryFrames > 0 ? (memoryFrames / SOURCE_FPS) * 1000 * 3 : RATE_SECONDS * 1000;
  const deadline = Date.now() + runMs;
  let nextMemoryAt = memoryFrames > 0 ? 300 : Number.POSITIVE_INFINITY;
  while (Date.now() < deadline) {
    await sleep(1000);
    end = await sample(page, screenFrames);
    latencies.push(...end.latencies);
    if (end.drawn >= nextMemoryAt) {
      memory.frames.push(end.drawn);
      memory.heapMb.push(await heapMb(page));
      memory.rssMb.push(await rendererRssMb(browserSession));
      nextMemoryAt = nextMemoryAt < 1000 ? 1000 : memoryFrames;
      if (end.drawn >= memoryFrames) break;
    }
  }
  if (memoryFrames > 0 && memory.frames.at(-1) !== end.drawn) {
    // The deadline came first (a loaded machine): record where the run got to.
    memory.frames.push(end.drawn);
    memory.heapMb.push(await heapMb(page));
    memory.rssMb.push(await rendererRssMb(browserSession));
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
    memory: memoryFrames > 0 ? memory : undefined,
  };
}

const fmt = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);

async function main(): Promise<void> {
  const server = await startServer();
  const browser = await launchChromium();
  const browserSession = await browser.newBrowserCDPSession();
  const stream = `${server.url}stream`;
  const playerAt = (decoder: string) => async (page: Page) => {
    await page.goto(`${server.url}?url=${encodeURIComponent(stream)}&decoder=${decoder}`);
    // Hide the stats overlay: its updates would be composited frames of their own.
    await page.click('#toggle-stats');
  };
  const only = process.env.BENCH_ONLY;
  const results: Result[] = [];
  try {
    console.log(
      `# @mjpeg-kit/client/dom — Node ${process.version}, Chromium ${browser.version()}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${new Date().toISOString()}`,
    );
    console.log(
      `stream: mjpeg-kit-server synthetic ${SIZE} @ ${SOURCE_FPS} fps, /stream (video only); ${RATE_SECONDS} s per row after 3 s warm-up; load average before: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    if (!only || only === 'native') {
      results.push(
        await measure(browser, browserSession, 'native <img src=/stream>', async (page) => {
          // Same origin as the stream, so the probe may read the <img> pixels.
          await page.goto(`${server.url}state`);
          await page.setContent(`<body style="margin:0"><img src="${stream}" style="width:100%">`);
        }),
      );
    }
    for (const decoder of ['image-decoder', 'img']) {
      if (!only || only === decoder)
        results.push(await measure(browser, browserSession, `MjpegPlayer, ${decoder}`, playerAt(decoder)));
    }
    if (!only || only === 'image-bitmap') {
      results.push(
        await measure(
          browser,
          browserSession,
          'MjpegPlayer, image-bitmap (default)',
          playerAt('image-bitmap'),
          MEMORY_FRAMES,
        ),
      );
    }
  } finally {
    await browser.close();
    server.child.kill('SIGTERM');
  }

  const native = results.find((r) => r.name.startsWith('native'));
  console.log(
    '| path | player draws/s | pictures on screen/s | main-thread rAF/s | vs native | vs source | long tasks > 50 ms (max) | X-Timestamp → draw p50 / p99 | stream MB/s |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const vsNative = native ? r.seenPerSecond / native.seenPerSecond : Number.NaN;
    console.log(
      `| ${r.name} | ${fmt(r.drawnPerSecond)} | ${fmt(r.seenPerSecond)} | ${fmt(r.animationFramesPerSecond, 0)} | ${fmt(vsNative, 2)}× | ${fmt(r.seenPerSecond / SOURCE_FPS, 2)}× | ${r.longTaskCount} (${fmt(r.longTaskMaxMs, 0)} ms) | ${fmt(r.latencyP50, 0)} / ${fmt(r.latencyP99, 0)} ms | ${fmt(r.mbPerSecond, 2)} |`,
    );
  }
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const r of results) {
    if (!r.memory) continue;
    console.log(`\nMemory, ${r.name} (after a forced GC):\n`);
    console.log('| frames drawn | JS heap MB | renderer RSS MB |');
    console.log('|---:|---:|---:|');
    for (const [i, frames] of r.memory.frames.entries()) {
      console.log(`| ${frames} | ${fmt(r.memory.heapMb[i], 2)} | ${fmt(r.memory.rssMb[i], 0)} |`);
    }
  }
}

await main();
