/**
 * @mjpeg-kit/server under load, beside its npm peers and Node's I/O limit, in one run.
 *
 * Each server runs alone in its own process pinned to core 0 (`taskset -c 0`) with a tiny
 * publisher of pre-encoded, stamped frames at 30 fps; the load generator runs pinned to
 * core 1. Server CPU seconds and peak RSS come from /proc; frames, ages and time to first
 * frame from the load generator. Run: `npm run bench` in packages/server
 * (`-- --quick` for a short pass, `-- --cpu-prof` to profile our server at the largest N;
 * `--only=raw,ours`, `--viewers=100,1000`, `--no-mixed`, `--mixed-viewers=50`, `--no-h2`, `--no-cameras` pick rows).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  coresPrerequisite,
  printRunHeader,
  readBenchOptions,
  readOption,
  requirePrerequisites,
  toolPrerequisite,
} from '@mjpeg-kit/bench-support';
import type { ConnectionsAnswer, ConnectionsQuery, ContenderKind, ContenderOptions } from './contender.js';
import { loadFrames } from './frames.js';
import type { LoadOptions, LoadResult } from './loadgen.js';
import { cpuSeconds, memoryMb } from './proc.js';

const args = process.argv.slice(2);
const { quick } = readBenchOptions({ baseline: false }, args);
const profile = args.includes('--cpu-prof');
const FPS = 30;
const WINDOW_MS = quick ? 3000 : 4000;
const WARMUP_MS = 1000;
/** A contender whose RSS passes this is stopped: it is queueing without bound. */
const RSS_LIMIT_MB = 1536;
/**
 * Audiences asking more than this are not run: one core cannot read it, and the backlog in
 * the kernel's socket buffers (up to 4 MiB per socket on loopback) exhausts tcp_mem, which
 * stalls every TCP user on the host.
 */
const MAX_ASKED_GBPS = 4;
const SIZES: [number, number][] = quick
  ? [[640, 480]]
  : [
      [640, 480],
      [1280, 720],
    ];
const option = (name: string): string | undefined => readOption(name, args);
const AUDIENCES = option('viewers')?.split(',').map(Number) ?? (quick ? [100, 500] : [100, 500, 1000, 2000]);
/** `--only=raw,ours` runs a subset (raw first: the other rows' ratios need it). */
const CONTENDERS = (option('only')?.split(',') ?? [
  'raw',
  'ours',
  'mjpeg-proxy',
  'mjpeg-server',
]) as ContenderKind[];
const MIXED = !args.includes('--no-mixed');
/** The mixed audience's size (`--mixed-viewers=50` for a smoke run) and window. */
const MIXED_VIEWERS = Number(option('mixed-viewers') ?? 500);
const MIXED_WINDOW_MS = quick ? 3000 : 10_000;
/** Our server over HTTP/2 (h2c) against HTTP/1.1 at one audience, unless `--no-h2`. */
const HTTP2 = !args.includes('--no-h2');
/** The many-cameras scenario (cameras.ts, its own process and header), unless `--no-cameras`. */
const CAMERAS = !args.includes('--no-cameras');
const HTTP2_VIEWERS = 100;

interface Started {
  child: ChildProcess;
  port: number;
}

function nodeArgs(script: string, json: unknown, extra: string[] = []): string[] {
  return [process.execPath, ...extra, '--import', 'tsx', script, JSON.stringify(json)];
}

/** Spawns `argv` pinned to `core` and resolves once it prints `READY <port>`. */
function startPinned(core: number, argv: string[]): Promise<Started> {
  const child = spawn('taskset', ['-c', String(core), ...argv], {
    cwd: import.meta.dirname,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} did not start in 30 s`)), 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')} exited with ${code}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** What the server saw of its sockets in the load generator's window (read after the window). */
function connectionsInWindow(
  child: ChildProcess,
  load: LoadResult,
): Promise<{ open: number; closedInWindow: number }> {
  const unknown = { open: Number.NaN, closedInWindow: Number.NaN };
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(unknown), 2000);
    child.once('message', (message: Partial<ConnectionsAnswer>) => {
      clearTimeout(timer);
      resolve({ open: message.open ?? Number.NaN, closedInWindow: message.closedInWindow ?? Number.NaN });
    });
    const query: ConnectionsQuery = {
      type: 'connections',
      windowStartMs: load.windowStartMs,
      windowEndMs: load.windowEndMs,
    };
    child.send(query);
  });
}

interface Measurement {
  kind: ContenderKind;
  viewers: number;
  load: LoadResult;
  serverCpuSeconds: number;
  rssPeakMb: number;
  rssEndMb: number;
  /** Sockets the server had open at the window's end, and those that closed inside the window. */
  openAtEnd: number;
  closedInWindow: number;
  /** The host's 1-minute load average when the row ended: above ~2, other work shared the cores. */
  loadAverage: number;
  aborted?: string;
}

async function measure(
  kind: ContenderKind,
  [width, height]: [number, number],
  load: Omit<LoadOptions, 'port' | 'path'>,
  extraNodeArgs: string[] = [],
): Promise<Measurement> {
  let upstream: Started | undefined;
  const options: ContenderOptions = { kind, width, height, fps: FPS };
  if (kind === 'mjpeg-proxy') {
    // The proxy's camera: on the load generator's core, so only the proxy's own work is on core 0.
    upstream = await startPinned(1, nodeArgs('contender.ts', { ...options, kind: 'upstream' }));
    options.upstream = `http://127.0.0.1:${upstream.port}/`;
  }
  const server = await startPinned(0, nodeArgs('contender.ts', options, extraNodeArgs));
  const pid = server.child.pid!;
  let aborted: string | undefined;
  const watchdog = setInterval(() => {
    try {
      const { rss } = memoryMb(pid);
      if (rss > RSS_LIMIT_MB && aborted === undefined) {
        aborted = `stopped: RSS passed ${RSS_LIMIT_MB} MB`;
        server.child.kill('SIGKILL');
      }
    } catch {
      // The process is gone.
    }
  }, 200);
  const loadOptions: LoadOptions = { ...load, port: server.port, path: '/stream' };
  const generator = spawn('taskset', ['-c', '1', ...nodeArgs('loadgen.ts', loadOptions)], {
    cwd: import.meta.dirname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let cpuStart = 0;
  let cpuEnd = 0;
  let rss = { rss: Number.NaN, peak: Number.NaN };
  let openAtEnd = Number.NaN;
  let closedInWindow = Number.NaN;
  const finished = new Promise<LoadResult>((resolve, reject) => {
    const limit = setTimeout(
      () => {
        generator.kill('SIGKILL');
        reject(new Error(`load generator for ${kind} timed out`));
      },
      load.warmupMs + load.windowMs + 90_000,
    );
    const lines = createInterface({ input: generator.stdout! });
    const pending: Promise<void>[] = [];
    lines.on('line', (line) => {
      if (line === 'START') {
        cpuStart = safe(() => cpuSeconds(pid));
      } else if (line.startsWith('END ')) {
        cpuEnd = safe(() => cpuSeconds(pid));
        rss = safe(() => memoryMb(pid), rss);
        const parsed = JSON.parse(line.slice(4)) as LoadResult;
        pending.push(
          connectionsInWindow(server.child, parsed).then((counts) => {
            openAtEnd = counts.open;
            closedInWindow = counts.closedInWindow;
          }),
        );
        Promise.all(pending).then(() => {
          clearTimeout(limit);
          resolve(parsed);
        }, reject);
      }
    });
    generator.once('exit', (code) => {
      if (code !== 0) {
        clearTimeout(limit);
        reject(new Error(`load generator exited with ${code}`));
      }
    });
  });
  let result: LoadResult;
  try {
    result = await finished;
  } finally {
    clearInterval(watchdog);
    if (generator.exitCode === null) generator.kill('SIGKILL');
    await stop(server.child);
    if (upstream) await stop(upstream.child);
  }
  return {
    kind,
    viewers: load.viewers,
    load: result,
    serverCpuSeconds: cpuEnd - cpuStart,
    rssPeakMb: rss.peak,
    rssEndMb: rss.rss,
    openAtEnd,
    closedInWindow,
    loadAverage: loadavg()[0] ?? Number.NaN,
    ...(aborted === undefined ? {} : { aborted }),
  };
}

function safe<T>(read: () => T, fallback?: T): T {
  try {
    return read();
  } catch {
    return (fallback ?? Number.NaN) as T;
  }
}

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function cpuPerGb(m: Measurement): number {
  return m.serverCpuSeconds / (m.load.bytes / 1e9);
}

function fastRow(m: Measurement, raw: Measurement | undefined): string {
  const healthy = m.load.kinds.healthy!;
  const perGb = cpuPerGb(m);
  const ratio = raw ? perGb / cpuPerGb(raw) : Number.NaN;
  const core = (100 * m.serverCpuSeconds) / m.load.windowSeconds;
  const gbps = m.load.bytes / m.load.windowSeconds / 1e9;
  const generator = (100 * m.load.cpuSeconds) / m.load.windowSeconds;
  const cells = [
    m.kind,
    String(m.viewers),
    fixed(core, 0),
    fixed(perGb, 2),
    `${fixed(ratio, 2)}×`,
    fixed(gbps, 2),
    `${fixed(healthy.fpsMean)} / ${fixed(healthy.fpsP01)}`,
    `${fixed(healthy.ageP50)} / ${fixed(healthy.ageP99)}`,
    `${fixed(healthy.ttffP50, 0)} / ${fixed(healthy.ttffP99, 0)}`,
    String(healthy.closed),
    fixed(m.rssPeakMb, 0),
    fixed(generator, 0),
    fixed(m.loadAverage),
  ];
  if (m.aborted) cells[0] = `${m.kind} (${m.aborted})`;
  if (m.load.failedToConnect > 0) cells[1] = `${m.viewers} (${m.load.failedToConnect} failed)`;
  return `| ${cells.join(' | ')} |`;
}

const FAST_HEADER = [
  '| server | N | CPU % of a core | CPU s per GB | × raw | GB/s delivered | fps per viewer (mean / p1) | frame age ms (p50 / p99) | TTFF ms (p50 / p99) | viewers dropped | peak RSS MB | load gen CPU % | host load avg |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
].join('\n');

function mixedRow(m: Measurement): string {
  const healthy = m.load.kinds.healthy!;
  const slow = m.load.kinds.slow!;
  const stalled = m.load.kinds.stalled!;
  const healthyShare = (100 * healthy.fpsMean) / FPS;
  const readers = healthy.viewers + slow.viewers;
  const cells = [
    m.aborted ? `${m.kind} (${m.aborted})` : m.kind,
    fixed(healthyShare, 1),
    `${fixed(healthy.ageP50)} / ${fixed(healthy.ageP99)}`,
    fixed(slow.fpsMean),
    `${fixed(slow.ageP50, 0)} / ${fixed(slow.ageP99, 0)}`,
    `${fixed(m.openAtEnd, 0)} (${readers} read, ${stalled.viewers} stalled)`,
    fixed(m.closedInWindow, 0),
    String(healthy.closed + slow.closed),
    fixed((100 * m.serverCpuSeconds) / m.load.windowSeconds, 0),
    fixed(m.rssEndMb, 0),
    fixed(m.rssPeakMb, 0),
    fixed(m.loadAverage),
  ];
  return `| ${cells.join(' | ')} |`;
}

const HTTP2_HEADER = [
  '| protocol | viewers | % of frames | age ms (p50 / p99) | server CPU % of a core | delivered Gbit/s | server CPU s per GB | vs HTTP/1.1 |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
].join('\n');

function http2Row(label: string, m: Measurement, http1: Measurement | undefined): string {
  const healthy = m.load.kinds.healthy!;
  const cells = [
    m.aborted ? `${label} (${m.aborted})` : label,
    String(m.viewers),
    fixed((100 * healthy.fpsMean) / FPS),
    `${fixed(healthy.ageP50)} / ${fixed(healthy.ageP99)}`,
    fixed((100 * m.serverCpuSeconds) / m.load.windowSeconds, 0),
    fixed((8 * m.load.bytes) / m.load.windowSeconds / 1e9, 2),
    fixed(cpuPerGb(m), 2),
    http1 === undefined ? '1.00×' : `${fixed(cpuPerGb(m) / cpuPerGb(http1), 2)}×`,
  ];
  return `| ${cells.join(' | ')} |`;
}

const MIXED_HEADER = [
  '| server | healthy: % of frames | healthy age ms (p50 / p99) | slow: fps | slow age ms (p50 / p99) | sockets open at window end | sockets closed in the window | readers dropped | CPU % of a core | RSS at end MB | peak RSS MB | host load avg |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
].join('\n');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Which layer a profile node's self time belongs to; undefined for idle time and startup. */
function layerOf(functionName: string, url: string): string | undefined {
  if (functionName === '(idle)' || url.includes('node:internal/modules') || url.includes('/tsx/'))
    return undefined;
  if (url.includes('packages/server/src')) return 'hub and handler';
  if (/packages\/(frame-encoder|chunked|bytes)\//.test(url)) return 'encoders';
  if (url.includes('/bench/')) return 'bench publisher';
  if (url.startsWith('node:')) return 'Node stream and net JS';
  if (functionName === '(garbage collector)') return 'GC';
  if (/^write(v|Buffer|Utf8String|Latin1String)$/.test(functionName)) return 'kernel writes';
  return 'other';
}

/** Self time by function from a .cpuprofile, top entries. */
function summariseProfile(dir: string): string {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) return '(no profile written)';
  const profileJson = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
  const totals = new Map<string, number>();
  let all = 0;
  for (const node of profileJson.nodes) {
    const hits = node.hitCount ?? 0;
    all += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    totals.set(key, (totals.get(key) ?? 0) + hits);
  }
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15);
  // Busy time by layer, leaving out idle time and module loading (startup).
  const layers = new Map<string, number>();
  let busy = 0;
  for (const node of profileJson.nodes) {
    const hits = node.hitCount ?? 0;
    const layer = layerOf(node.callFrame.functionName, node.callFrame.url);
    if (layer === undefined) continue;
    busy += hits;
    layers.set(layer, (layers.get(layer) ?? 0) + hits);
  }
  const layerLine = [...layers]
    .sort((a, b) => b[1] - a[1])
    .map(([layer, hits]) => `${layer} ${fixed((100 * hits) / busy, 0)}%`)
    .join(', ');
  return [
    `Busy time by layer (startup excluded): ${layerLine}.`,
    '',
    '| self % | function |',
    '|---:|---|',
    ...top.map(([key, hits]) => `| ${fixed((100 * hits) / all)} | \`${key}\` |`),
  ].join('\n');
}

/** Runs one row; a row that fails (a load generator that cannot finish) is reported, not fatal. */
async function measureOrReport(
  kind: ContenderKind,
  viewers: number,
  run: () => Promise<Measurement>,
): Promise<Measurement | undefined> {
  try {
    return await run();
  } catch (error) {
    console.log(`| ${kind} | ${viewers} | failed: ${(error as Error).message} |`);
    return undefined;
  }
}

async function main(): Promise<void> {
  await requirePrerequisites([
    toolPrerequisite('ffmpeg', 'the server bench (pre-encoded frames)'),
    toolPrerequisite(
      'taskset',
      'the server bench (pins servers and the load generator)',
      'apt-get install util-linux',
    ),
    coresPrerequisite(2, 'the server bench (servers on core 0, the load generator on core 1)'),
  ]);
  printRunHeader('@mjpeg-kit/server benchmark');
  console.log(
    `Servers pinned to core 0, load generator to core 1; ${FPS} fps of pre-encoded frames; ${WARMUP_MS / 1000} s warm-up, ${WINDOW_MS / 1000} s window per row.`,
  );
  for (const size of SIZES) {
    const frames = loadFrames(size[0], size[1]);
    console.log(
      `\n## ${size[0]}×${size[1]}, mean frame ${fixed(frames.meanBytes / 1000)} KB, fast viewers\n`,
    );
    console.log(FAST_HEADER);
    for (const viewers of AUDIENCES) {
      let raw: Measurement | undefined;
      for (const kind of CONTENDERS) {
        const asked = (viewers * frames.meanBytes * FPS) / 1e9;
        if (asked > MAX_ASKED_GBPS) {
          console.log(
            `| ${kind} | ${viewers} | skipped: asks ${asked.toFixed(1)} GB/s, past what one load-generator core can read; kernel socket memory (tcp_mem) runs out first |`,
          );
          continue;
        }
        const m = await measureOrReport(kind, viewers, () =>
          measure(kind, size, { viewers, warmupMs: WARMUP_MS, windowMs: WINDOW_MS }),
        );
        if (m === undefined) continue;
        if (kind === 'raw') raw = m;
        console.log(fastRow(m, raw));
      }
    }
  }

  const vga: [number, number] = [640, 480];
  const vgaFrames = loadFrames(640, 480);
  if (HTTP2 && CONTENDERS.includes('ours')) {
    console.log(
      `\n## HTTP/2 vs HTTP/1.1: ours, ${HTTP2_VIEWERS} viewers at 640×480, each viewer its own connection (h2c, no TLS on either side: the price of h2 framing alone)\n`,
    );
    console.log(HTTP2_HEADER);
    const load = { viewers: HTTP2_VIEWERS, warmupMs: WARMUP_MS, windowMs: WINDOW_MS };
    const http1 = await measureOrReport('ours', HTTP2_VIEWERS, () => measure('ours', vga, load));
    if (http1 !== undefined) console.log(http2Row('HTTP/1.1', http1, undefined));
    const h2 = await measureOrReport('ours-h2', HTTP2_VIEWERS, () =>
      measure('ours-h2', vga, { ...load, http2: true }),
    );
    if (h2 !== undefined) console.log(http2Row('HTTP/2', h2, http1));
  }
  if (MIXED)
    console.log(
      `\n## Mixed audience: ${MIXED_VIEWERS} viewers at 640×480 (80% healthy, 10% at a quarter rate, 10% stalled), ${MIXED_WINDOW_MS / 1000} s window\n`,
    );
  if (MIXED) console.log(MIXED_HEADER);
  for (const kind of MIXED ? CONTENDERS : []) {
    const m = await measureOrReport(kind, MIXED_VIEWERS, () =>
      measure(kind, vga, {
        viewers: MIXED_VIEWERS,
        slow: 0.1,
        stalled: 0.1,
        slowFactor: 0.25,
        streamBytesPerSecond: vgaFrames.meanBytes * FPS,
        warmupMs: WARMUP_MS,
        windowMs: MIXED_WINDOW_MS,
      }),
    );
    if (m !== undefined) console.log(mixedRow(m));
  }

  if (profile) {
    const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-server-prof-'));
    const viewers = AUDIENCES[AUDIENCES.length - 1]!;
    await measure('ours', vga, { viewers, warmupMs: WARMUP_MS, windowMs: WINDOW_MS }, [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
    ]);
    console.log(`\n## Where our server's time goes (${viewers} viewers, 640×480, --cpu-prof, self time)\n`);
    console.log(summariseProfile(dir));
    console.log(`\nprofile: ${dir}`);
  }

  if (CAMERAS) {
    console.log('');
    const cameras = spawn(
      process.execPath,
      [...process.execArgv, 'cameras.ts', ...(quick ? ['--quick'] : [])],
      {
        stdio: 'inherit',
      },
    );
    const [code] = (await once(cameras, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`cameras.ts exited with ${code}`);
  }
}

await main();
