/**
 * The player page against each engine's native `<img src=/stream>`, in every installed engine
 * (Chromium, Firefox ESR, WebKitGTK; test-support/engines.ts), on the real server's 1280×720
 * 30 fps synthetic camera. Each page gets a window of N source frames (N / 30 s) after a warm-up:
 * - pictures on screen per second: the player's `framesDrawn`; for the native `<img>` (no
 *   per-frame event) each requestAnimationFrame draws the image into a 32×18 canvas and counts
 *   the frames whose pixel hash differs from the previous one (same origin, so readable);
 * - main-thread long tasks on the player page: PerformanceObserver 'longtask' where the engine
 *   has it (Chromium), elsewhere requestAnimationFrame gaps over 50 ms as the proxy;
 * - memory after the player's window: performance.memory.usedJSHeapSize where the engine has it,
 *   and the VmRSS of the browser's whole process tree (browser, renderers, GPU/network helpers).
 * Target: player ≥ native in every engine and no long task over 50 ms.
 *
 * Run: npm run bench -- --only=engines in packages/client (or `cd bench && tsx engines.ts`;
 * `--quick` for 300 frames instead of 2000, `--frames=N` for any other). Needs the built server
 * and web app (npx turbo run build --filter=mjpeg-kit-server... at the root); a missing engine
 * is skipped with its reason.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  filePrerequisite,
  formatLoadAverage,
  printRunHeader,
  readBenchOptions,
  readOption,
  requirePrerequisites,
} from '@mjpeg-kit/bench-support';
import {
  type BrowserEngine,
  ENGINE_NAMES,
  type EngineName,
  type EnginePage,
  engineTool,
  launchEngine,
} from '../../../test-support/engines.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER_CLI = `${ROOT}apps/server/dist/cli.js`;
const WEB_DIST = `${ROOT}apps/web/dist/index.html`;
const BUILD_FIX = 'run npx turbo run build --filter=mjpeg-kit-server... at the root';
const SOURCE_FPS = 30;
const SIZE = '1280x720';
const VIEWPORT = { width: 1280, height: 800 };
const { quick } = readBenchOptions({ baseline: false });
/** Source frames per measured window. */
const FRAMES = Number(readOption('frames') ?? (quick ? 300 : 2000));
const WINDOW_MS = (FRAMES / SOURCE_FPS) * 1000;
const WARMUP_MS = 3000;
/** A main-thread task (or, as the proxy, a requestAnimationFrame gap) longer than this is "long". */
const LONG_TASK_MS = 50;

/** Per engine, the `<img src=/stream>` parameters its docs ask for (as the e2e suite uses). */
const IMG_PARAMS: Record<EngineName, string> = {
  // Chromium's <img> draws a part only once the next part's headers are complete.
  chromium: '?advance_headers=1',
  firefox: '',
  // WebKit needs the last frame of a still scene twice (harmless on a moving one).
  webkit: '?dual_final_frames=1',
};

interface Row {
  engine: EngineName;
  version: string;
  skipped?: string;
  playerFps?: number;
  nativeFps?: number;
  /** 'longtask' (PerformanceObserver) or 'rAF gap' (the proxy). */
  longTaskSource?: string;
  longTaskCount?: number;
  longTaskMaxMs?: number;
  heapMb?: number;
  rssMb?: number;
  notes: string[];
}

/** What the page exposes: the web app's player as `window.mjpegPlayer`. */
interface PlayerWindow {
  mjpegPlayer?: { stats: { framesDrawn: number; transport: string; decoder: string } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [SERVER_CLI, '--host', '127.0.0.1', '--port', '0', '--size', SIZE, '--fps', String(SOURCE_FPS)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
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

/** VmRSS of `pid` and all its descendants, MB (Linux /proc); `undefined` without a pid. */
function treeRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let kb = 0;
  const seen = new Set<number>();
  const visit = (id: number) => {
    if (seen.has(id)) return;
    seen.add(id);
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, 'utf8'))?.[1] ?? 0);
      for (const task of readdirSync(`/proc/${id}/task`)) {
        const text = readFileSync(`/proc/${id}/task/${task}/children`, 'utf8').trim();
        if (text) for (const child of text.split(/\s+/)) visit(Number(child));
      }
    } catch {
      // exited meanwhile
    }
  };
  visit(pid);
  return seen.size > 0 && kb > 0 ? kb / 1024 : undefined;
}

/**
 * Installs the main-thread probe in the page: 'longtask' entries where supported, and always the
 * requestAnimationFrame gaps over LONG_TASK_MS. Returns whether 'longtask' is supported.
 */
function installProbe(page: EnginePage): Promise<boolean> {
  // Source text, not a function: tsx's keepNames would wrap its inner closures in a __name the page lacks.
  return page.evaluate<boolean>(`(() => {
    const probe = { longTasks: [], gaps: [], recording: false };
    window.__probe = probe;
    const supported = typeof PerformanceObserver !== 'undefined' &&
      (PerformanceObserver.supportedEntryTypes || []).includes('longtask');
    if (supported) {
      new PerformanceObserver((list) => {
        if (probe.recording) for (const entry of list.getEntries()) probe.longTasks.push(entry.duration);
      }).observe({ type: 'longtask' });
    }
    let last = performance.now();
    const tick = (now) => {
      if (probe.recording && now - last > ${LONG_TASK_MS}) probe.gaps.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    return supported;
  })()`);
}

function setRecording(page: EnginePage, on: boolean): Promise<void> {
  return page.evaluate((value: boolean) => {
    (window as unknown as { __probe: { recording: boolean } }).__probe.recording = value;
  }, on);
}

/** The player page: drawn frames over the window, long tasks, then memory. */
async function measurePlayer(engine: BrowserEngine, url: string, row: Row): Promise<void> {
  const page = await engine.open(url, { viewport: VIEWPORT });
  try {
    await page.waitFor(
      () => ((window as unknown as PlayerWindow).mjpegPlayer?.stats.framesDrawn ?? 0) >= 3,
      30_000,
    );
    // The stats overlay's updates are main-thread work of their own; hide it as a user can.
    await page.click('#toggle-stats');
    const longTaskSupported = await installProbe(page);
    await sleep(WARMUP_MS);
    const read = () =>
      page.evaluate(() => ({
        drawn: (window as unknown as PlayerWindow).mjpegPlayer?.stats.framesDrawn ?? 0,
        at: performance.now(),
        transport: (window as unknown as PlayerWindow).mjpegPlayer?.stats.transport ?? '?',
        decoder: (window as unknown as PlayerWindow).mjpegPlayer?.stats.decoder ?? '?',
      }));
    await setRecording(page, true);
    const start = await read();
    await sleep(WINDOW_MS);
    const end = await read();
    await setRecording(page, false);
    row.playerFps = ((end.drawn - start.drawn) * 1000) / (end.at - start.at);
    row.notes.push(`player /${end.transport}, ${end.decoder}`);
    const probe = await page.evaluate(() => {
      const p = (window as unknown as { __probe: { longTasks: number[]; gaps: number[] } }).__probe;
      const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      return { longTasks: p.longTasks, gaps: p.gaps, heap: memory?.usedJSHeapSize ?? null };
    });
    const long = longTaskSupported ? probe.longTasks : probe.gaps;
    row.longTaskSource = longTaskSupported ? 'longtask' : 'rAF gap';
    row.longTaskCount = long.length;
    row.longTaskMaxMs = long.length > 0 ? Math.max(...long) : 0;
    row.heapMb = probe.heap === null ? undefined : probe.heap / 1024 / 1024;
    row.rssMb = treeRssMb(engine.pid);
  } finally {
    await page.close();
  }
}

/** The engine's native `<img src=/stream>`: distinct pictures per second, by pixel hash per rAF. */
async function measureNative(engine: BrowserEngine, serverUrl: string, row: Row): Promise<void> {
  // A page of the server's origin, so the image's pixels are readable.
  const page = await engine.open(`${serverUrl}snapshot.jpg`, { viewport: VIEWPORT });
  try {
    await page.evaluate((src: string) => {
      document.body.replaceChildren();
      document.body.style.margin = '0';
      const img = document.createElement('img');
      img.id = 'native';
      img.src = src;
      document.body.append(img);
    }, `${serverUrl}stream${IMG_PARAMS[row.engine]}`);
    await page.waitFor(
      () => (document.querySelector<HTMLImageElement>('#native')?.naturalWidth ?? 0) > 0,
      30_000,
    );
    // Firefox's drawImage(img) keeps drawing a multipart <img>'s first part while the page shows
    // newer ones; createImageBitmap(img) takes the current one, so Firefox is read through it.
    const viaBitmap = row.engine === 'firefox';
    if (viaBitmap)
      row.notes.push('native read through createImageBitmap(img): drawImage(img) returns a stale part');
    // Source text for the same reason as installProbe's.
    await page.evaluate(`(() => {
      const img = document.querySelector('#native');
      const probe = document.createElement('canvas');
      probe.width = 32;
      probe.height = 18;
      const context = probe.getContext('2d', { willReadFrequently: true });
      const native = { pictures: 0 };
      window.__native = native;
      let previous = -1;
      let pending = false;
      const count = (source) => {
        context.drawImage(source, 0, 0, 32, 18);
        const data = context.getImageData(0, 0, 32, 18).data;
        let hash = 2166136261;
        for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 16777619);
        if (hash !== previous) native.pictures++;
        previous = hash;
      };
      const tick = () => {
        requestAnimationFrame(tick);
        if (!${viaBitmap}) return count(img);
        if (pending) return;
        pending = true;
        createImageBitmap(img).then((bitmap) => { count(bitmap); bitmap.close(); }, () => undefined)
          .finally(() => { pending = false; });
      };
      requestAnimationFrame(tick);
    })()`);
    await sleep(WARMUP_MS);
    const read = () =>
      page.evaluate(() => {
        const n = (window as unknown as { __native: { pictures: number } }).__native;
        return { pictures: n.pictures, at: performance.now() };
      });
    const start = await read();
    await sleep(WINDOW_MS);
    const end = await read();
    row.nativeFps = ((end.pictures - start.pictures) * 1000) / (end.at - start.at);
  } finally {
    await page.close();
  }
}

async function measureEngine(name: EngineName, serverUrl: string): Promise<Row> {
  const tool = engineTool(name);
  if (tool.skip) return { engine: name, version: '–', skipped: `${tool.label.trim()}`, notes: [] };
  let engine: BrowserEngine | undefined;
  const row: Row = { engine: name, version: '–', notes: [] };
  try {
    engine = await launchEngine(name);
    row.version = engine.version;
    await measureNative(engine, serverUrl, row);
    await measurePlayer(engine, serverUrl, row);
  } catch (error) {
    row.skipped = `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  } finally {
    await engine?.close();
  }
  return row;
}

const fmt = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);

export async function runEnginesBench(): Promise<void> {
  await requirePrerequisites([
    filePrerequisite(SERVER_CLI, 'the engines rows (the server)', BUILD_FIX),
    filePrerequisite(WEB_DIST, 'the engines rows (the player page)', BUILD_FIX),
  ]);
  const server = await startServer();
  const rows: Row[] = [];
  try {
    for (const name of ENGINE_NAMES) rows.push(await measureEngine(name, server.url));
  } finally {
    server.child.kill('SIGTERM');
  }
  console.log(
    `\n## The player page against native <img src=/stream>, per engine\n\n` +
      `stream: mjpeg-kit-server synthetic ${SIZE} @ ${SOURCE_FPS} fps (the physical limit: ${SOURCE_FPS} pictures/s); ` +
      `each page measured over ${FRAMES} source frames (${(WINDOW_MS / 1000).toFixed(0)} s) after a ${WARMUP_MS / 1000} s warm-up, ` +
      `viewport ${VIEWPORT.width}×${VIEWPORT.height}, one engine at a time\n` +
      `player fps: its framesDrawn; native fps: distinct pictures seen by a per-rAF 32×18 pixel hash; ` +
      `long tasks on the player page: PerformanceObserver 'longtask' where supported, else rAF gaps > ${LONG_TASK_MS} ms (a proxy); ` +
      `heap: performance.memory.usedJSHeapSize (Chromium only; unforced GC); RSS: the browser's whole process tree\n` +
      `target: player ≥ native (within one picture over the window, the counts' resolution) and no long task over ${LONG_TASK_MS} ms\n`,
  );
  console.log(
    '| engine | version | player fps | native fps | player / native | player / source | long tasks (count / max ms) | heap MB | RSS MB | target |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const row of rows) {
    if (row.skipped) {
      console.log(`| ${row.engine} | ${row.version} | skipped: ${row.skipped} | | | | | | | |`);
      continue;
    }
    // No native picture counted means the count failed, not an infinitely better player.
    const ratio =
      row.nativeFps !== undefined && row.nativeFps > 0
        ? (row.playerFps ?? Number.NaN) / row.nativeFps
        : Number.NaN;
    const missed: string[] = [];
    if (Number.isNaN(ratio)) missed.push('native rate not measured');
    // Counts are whole pictures over the window: one picture fewer is within the resolution.
    else if ((row.playerFps ?? 0) < row.nativeFps! - 1000 / WINDOW_MS - 1e-9) missed.push('player < native');
    if ((row.longTaskMaxMs ?? 0) > LONG_TASK_MS) missed.push(`long task > ${LONG_TASK_MS} ms`);
    console.log(
      `| ${row.engine} | ${row.version} | ${fmt(row.playerFps)} | ${fmt(row.nativeFps)} | ${fmt(ratio, 2)}× | ` +
        `${fmt((row.playerFps ?? Number.NaN) / SOURCE_FPS, 2)}× | ${row.longTaskCount} / ${fmt(row.longTaskMaxMs, 0)} (${row.longTaskSource}) | ` +
        `${fmt(row.heapMb)} | ${fmt(row.rssMb, 0)} | ${missed.length === 0 ? 'met' : `missed (${missed.join(', ')})`} |`,
    );
  }
  const notes = rows.filter((row) => row.notes.length > 0);
  if (notes.length > 0)
    console.log(`\n${notes.map((row) => `${row.engine}: ${row.notes.join('; ')}`).join('\n')}`);
  console.log(`\nload average after: ${formatLoadAverage()}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printRunHeader('@mjpeg-kit/client benchmark: the player against native <img> in each engine');
  await runEnginesBench();
}
