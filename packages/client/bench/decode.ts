/**
 * Issue 12: decode and draw on the main thread, or in a worker? In every installed engine
 * (Chromium, Firefox ESR, WebKitGTK; test-support/engines.ts) a page from an in-process
 * node:http server plays a fixed sequence of 1280×720 JPEGs at 30 fps by its own clock, twice,
 * each in a fresh page (decode-page.ts):
 * - main: createImageBitmap(blob) and drawImage into the visible canvas on the main thread;
 * - worker: the bytes transferred to a Worker doing the same into the canvas's OffscreenCanvas.
 * A frame offered while one decodes waits, replacing (dropping) the one waiting: the player's
 * newest-wins. Per mode: frames drawn per second, frames dropped, main-thread rAF gaps > 50 ms,
 * decode time (createImageBitmap alone) p50/p95.
 *
 * The frames are the synthetic camera's: its TestPatternRenderer at the camera's slot times (a
 * white flash each second), rendered up front, since syntheticCameraSource itself is paced in
 * real time.
 *
 * Run: `cd packages/client && npx tsx bench/decode.ts` (npx runs from the package root, so
 * `cd bench && npx tsx decode.ts` does not find the file; `cd bench && tsx decode.ts` does):
 * `--frames=N` measured frames (default 450), `--quick` for 150. A missing engine is skipped
 * with its reason.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { formatLoadAverage, printRunHeader, readBenchOptions, readOption } from '@mjpeg-kit/bench-support';
import { TestPatternRenderer } from '@mjpeg-kit/sources';
import {
  type BrowserEngine,
  ENGINE_NAMES,
  type EngineName,
  engineTool,
  launchEngine,
} from '../../../test-support/engines.js';
import { PAGE_HTML, WORKER_SOURCE } from './decode-page.js';

const SOURCE_FPS = 30;
const WIDTH = 1280;
const HEIGHT = 720;
const VIEWPORT = { width: 1280, height: 800 };
/** Frames offered before the measured ones (connection, JIT, decoder start-up). */
const WARMUP_FRAMES = 30;
const GAP_MS = 50;
/** A worker/main ratio within this of 1 is "no difference". */
const SAME_WITHIN = 0.05;
/** Fixed slot times, so every run decodes the same pictures. */
const FIRST_SLOT_MS = Date.UTC(2026, 0, 1);
const MODES = ['main', 'worker'] as const;
type Mode = (typeof MODES)[number];

export interface DecodeBenchOptions {
  /** Measured frames per mode (default: `--frames=`, else 150 with `--quick`, else 450). */
  frames?: number;
}

/** What the page reports (decode-page.ts). */
interface PageResult {
  error?: string;
  drawn: number;
  dropped: number;
  failed: number;
  unaccounted: number;
  decodeMs: number[];
  seconds: number;
  gaps: number[];
  errors: string[];
}

interface Row {
  engine: EngineName;
  version: string;
  skipped?: string;
  modes: Partial<Record<Mode, PageResult>>;
}

/** The synthetic camera's pictures for `count` consecutive slots, concatenated, with offsets. */
function renderFrames(count: number): { bytes: Buffer; offsets: number[] } {
  const renderer = new TestPatternRenderer({ width: WIDTH, height: HEIGHT });
  const period = 1000 / SOURCE_FPS;
  const parts: Uint8Array[] = [];
  const offsets = [0];
  for (let seq = 0; seq < count; seq++) {
    const part = renderer.render(FIRST_SLOT_MS + seq * period, seq, seq % SOURCE_FPS === 0);
    parts.push(part);
    offsets.push(offsets[seq]! + part.length);
  }
  return { bytes: Buffer.concat(parts), offsets };
}

async function startPageServer(frames: { bytes: Buffer; offsets: number[] }): Promise<Server> {
  const routes: Record<string, [string, string | Buffer]> = {
    '/': ['text/html; charset=utf-8', PAGE_HTML],
    '/worker.js': ['text/javascript', WORKER_SOURCE],
    '/frames.bin': ['application/octet-stream', frames.bytes],
    '/frames.json': ['application/json', JSON.stringify(frames.offsets)],
  };
  const server = createServer((request, response) => {
    const route = routes[new URL(request.url ?? '/', 'http://x').pathname];
    if (!route) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': route[0], 'cache-control': 'no-store' }).end(route[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

async function measureMode(engine: BrowserEngine, base: string, mode: Mode, frames: number) {
  const query = new URLSearchParams({
    mode,
    frames: String(frames),
    warmup: String(WARMUP_FRAMES),
    fps: String(SOURCE_FPS),
  });
  const page = await engine.open(`${base}?${query}`, { viewport: VIEWPORT });
  try {
    // The play time, the page's settle time (10 s) and a margin for loading.
    const timeoutMs = ((WARMUP_FRAMES + frames) / SOURCE_FPS) * 1000 + 40_000;
    const text = await page.waitFor<string | undefined>('window.__result', timeoutMs);
    const result = JSON.parse(text) as PageResult;
    if (result.error) throw new Error(`${mode}: ${result.error}`);
    return result;
  } finally {
    await page.close();
  }
}

async function measureEngine(name: EngineName, base: string, frames: number): Promise<Row> {
  const row: Row = { engine: name, version: '–', modes: {} };
  const tool = engineTool(name);
  if (tool.skip) return { ...row, skipped: tool.label.trim().replace(/^\(skipped: (.*)\)$/, '$1') };
  let engine: BrowserEngine | undefined;
  try {
    engine = await launchEngine(name);
    row.version = engine.version;
    for (const mode of MODES) row.modes[mode] = await measureMode(engine, base, mode, frames);
  } catch (error) {
    row.skipped = `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  } finally {
    await engine?.close();
  }
  return row;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (value: number, digits = 1) => (Number.isNaN(value) ? '–' : value.toFixed(digits));
const drawnFps = (result: PageResult) => result.drawn / result.seconds;

function formatModeRow(row: Row, mode: Mode, result: PageResult): string {
  const fps = drawnFps(result);
  const gapMax = result.gaps.length > 0 ? Math.max(...result.gaps) : 0;
  const lost = result.failed + result.unaccounted;
  const dropped = `${result.dropped}${lost > 0 ? ` (+${lost} failed or unfinished)` : ''}`;
  return (
    `| ${row.engine} | ${row.version} | ${mode} | ${fmt(fps)} | ${fmt(fps / SOURCE_FPS, 2)}× | ${dropped} | ` +
    `${result.gaps.length} / ${fmt(gapMax, 0)} ms | ${fmt(percentile(result.decodeMs, 50))} / ${fmt(percentile(result.decodeMs, 95))} |`
  );
}

function verdict(row: Row): string {
  const { main, worker } = row.modes;
  if (row.skipped || !main || !worker) return `${row.engine}: skipped (${row.skipped ?? 'no result'})`;
  const ratio = drawnFps(worker) / drawnFps(main);
  const judged =
    ratio > 1 + SAME_WITHIN
      ? 'the worker draws more'
      : ratio < 1 - SAME_WITHIN
        ? 'the worker draws less'
        : `no difference (within ${SAME_WITHIN * 100} %)`;
  return (
    `${row.engine}: worker / main drawn fps = ${fmt(ratio, 2)}× — ${judged}; ` +
    `rAF gaps > ${GAP_MS} ms: main ${main.gaps.length}, worker ${worker.gaps.length}`
  );
}

/** Runs both modes in every engine, one engine at a time, and prints the table and verdicts. */
export async function runDecodeBench(options: DecodeBenchOptions = {}): Promise<void> {
  const { quick } = readBenchOptions({ baseline: false });
  const frames = options.frames ?? Number(readOption('frames') ?? (quick ? 150 : 450));
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`--frames must be a positive integer`);
  const server = await startPageServer(renderFrames(WARMUP_FRAMES + frames));
  const rows: Row[] = [];
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (const name of ENGINE_NAMES) rows.push(await measureEngine(name, base, frames));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  console.log(
    `\n## Decode and draw: main thread against a worker (OffscreenCanvas), per engine\n\n` +
      `source: the synthetic camera's ${WIDTH}×${HEIGHT} JPEGs at ${SOURCE_FPS} fps by the page's clock, ` +
      `${frames} measured frames per mode after ${WARMUP_FRAMES} unmeasured, each mode in a fresh page, ` +
      `viewport ${VIEWPORT.width}×${VIEWPORT.height}, one engine at a time\n` +
      `newest-wins: one decode in flight, one frame waiting; dropped = waiting frames replaced by a newer one; ` +
      `drawn fps = frames drawn over the measured window (to the last draw if later); ` +
      `decode = createImageBitmap(blob) alone, in the thread that draws\n`,
  );
  console.log(
    `| engine | version | mode | drawn fps | vs source ${SOURCE_FPS} | dropped | rAF gaps > ${GAP_MS} ms (count / max) | decode p50/p95 ms |`,
  );
  console.log('|---|---|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    if (row.skipped) {
      console.log(`| ${row.engine} | ${row.version} | skipped: ${row.skipped} | | | | | |`);
      continue;
    }
    for (const mode of MODES) console.log(formatModeRow(row, mode, row.modes[mode]!));
  }
  console.log(`\n${rows.map(verdict).join('\n')}`);
  const failures = rows.flatMap((row) =>
    MODES.flatMap((mode) =>
      (row.modes[mode]?.errors ?? []).map((error) => `${row.engine} ${mode}: ${error}`),
    ),
  );
  if (failures.length > 0) console.log(`\ndecode failures (first ones): ${failures.join('; ')}`);
  console.log(`\nload average after: ${formatLoadAverage()}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printRunHeader('@mjpeg-kit/client benchmark: decoding on the main thread against a worker');
  await runDecodeBench();
}
