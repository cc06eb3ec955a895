/**
 * Many cameras in one process: N cameras (default 16) of distinct 640×480 frames at 15 fps,
 * M viewers each (default 50, 800 in all), against the same total load on one camera (N × M
 * viewers of one camera at 15 fps), which is what "CPU per delivered GB within 1.1×" compares.
 *
 * The server runs pinned to core 0 (cameras-server.ts); one load generator per camera
 * (loadgen.ts, M viewers on `/cams/camI/stream`) runs pinned to core 1, and the one-camera row
 * uses the same generators, all on `/cams/cam0/stream`, so the client side costs the same.
 * Server CPU is read from /proc from the first generator's window start to the last one's end
 * (their skew is printed); bytes are every generator's window bytes.
 *
 * Run: `npx tsx cameras.ts` in packages/server/bench (`--quick`: 4 cameras × 10 viewers, short
 * windows, a smoke test; `--cameras=16 --viewers=50 --window-ms=6000` pick the sizes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  coresPrerequisite,
  printRunHeader,
  readBenchOptions,
  readOption,
  requirePrerequisites,
  toolPrerequisite,
} from '@mjpeg-kit/bench-support';
import type { CamerasServerOptions } from './cameras-server.js';
import type { KindResult, LoadOptions, LoadResult } from './loadgen.js';
import { cpuSeconds, memoryMb } from './proc.js';

const args = process.argv.slice(2);
const { quick } = readBenchOptions({ baseline: false }, args);
const option = (name: string): number | undefined => {
  const value = readOption(name, args);
  return value === undefined ? undefined : Number(value);
};
const FPS = 15;
const WIDTH = 640;
const HEIGHT = 480;
const CAMERAS = option('cameras') ?? (quick ? 4 : 16);
const VIEWERS = option('viewers') ?? (quick ? 10 : 50);
const WARMUP_MS = quick ? 1000 : 2000;
const WINDOW_MS = option('window-ms') ?? (quick ? 2000 : 6000);
/** The targets: every viewer at least this share of its camera's frames, p99 age below this. */
const MIN_FRAME_SHARE = 0.95;
const MAX_AGE_P99_MS = 50;
const MAX_CPU_PER_GB_RATIO = 1.1;

interface Row {
  label: string;
  cameras: number;
  results: LoadResult[];
  serverCpuSeconds: number;
  unionSeconds: number;
  skewMs: number;
  rssPeakMb: number;
}

function nodeArgs(script: string, json: unknown): string[] {
  return [process.execPath, '--import', 'tsx', script, JSON.stringify(json)];
}

function pinned(core: number, argv: string[]): ChildProcess {
  return spawn('taskset', ['-c', String(core), ...argv], {
    cwd: import.meta.dirname,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
}

function waitReady(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start in 30 s')), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}`));
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

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** Runs one row: a server of `cameras` cameras, and `generators` load generators of VIEWERS each. */
async function measure(label: string, cameras: number, generators: number): Promise<Row> {
  const serverOptions: CamerasServerOptions = { cameras, width: WIDTH, height: HEIGHT, fps: FPS };
  const server = pinned(0, nodeArgs('cameras-server.ts', serverOptions));
  const pid = server.pid!;
  const loads: ChildProcess[] = [];
  try {
    const port = await waitReady(server);
    let started = 0;
    let ended = 0;
    let cpuStart = Number.NaN;
    let cpuEnd = Number.NaN;
    let rssPeakMb = Number.NaN;
    const results = await Promise.all(
      Array.from({ length: generators }, (_, index) => {
        const load: LoadOptions = {
          port,
          path: `/cams/cam${index % cameras}/stream`,
          viewers: VIEWERS,
          warmupMs: WARMUP_MS,
          windowMs: WINDOW_MS,
        };
        const child = pinned(1, nodeArgs('loadgen.ts', load));
        loads.push(child);
        return new Promise<LoadResult>((resolve, reject) => {
          const limit = setTimeout(
            () => {
              child.kill('SIGKILL');
              reject(new Error(`load generator ${index} timed out`));
            },
            WARMUP_MS + WINDOW_MS + 60_000,
          );
          createInterface({ input: child.stdout! }).on('line', (line) => {
            if (line === 'START' && started++ === 0) cpuStart = safe(() => cpuSeconds(pid), Number.NaN);
            if (!line.startsWith('END ')) return;
            if (++ended === generators) {
              cpuEnd = safe(() => cpuSeconds(pid), Number.NaN);
              rssPeakMb = safe(() => memoryMb(pid).peak, Number.NaN);
            }
            clearTimeout(limit);
            resolve(JSON.parse(line.slice(4)) as LoadResult);
          });
          child.once('exit', (code) => {
            if (code === 0) return;
            clearTimeout(limit);
            reject(new Error(`load generator ${index} exited with ${code}`));
          });
        });
      }),
    );
    const firstStart = Math.min(...results.map((result) => result.windowStartMs));
    const lastStart = Math.max(...results.map((result) => result.windowStartMs));
    const lastEnd = Math.max(...results.map((result) => result.windowEndMs));
    return {
      label,
      cameras,
      results,
      serverCpuSeconds: cpuEnd - cpuStart,
      unionSeconds: (lastEnd - firstStart) / 1000,
      skewMs: lastStart - firstStart,
      rssPeakMb,
    };
  } finally {
    for (const child of loads) if (child.exitCode === null) child.kill('SIGKILL');
    await stop(server);
  }
}

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function healthyOf(row: Row): KindResult[] {
  return row.results.map((result) => result.kinds.healthy!);
}

function summarize(row: Row) {
  const healthy = healthyOf(row);
  const bytes = row.results.reduce((sum, result) => sum + result.bytes, 0);
  const windowSeconds = row.results[0]!.windowSeconds;
  return {
    bytes,
    cpuPerGb: row.serverCpuSeconds / (bytes / 1e9),
    gbps: bytes / windowSeconds / 1e9,
    fpsMean: healthy.reduce((sum, kind) => sum + kind.fpsMean, 0) / healthy.length,
    fpsWorstP01: Math.min(...healthy.map((kind) => kind.fpsP01)),
    ageP50: Math.max(...healthy.map((kind) => kind.ageP50)),
    ageP99: Math.max(...healthy.map((kind) => kind.ageP99)),
    closed: healthy.reduce((sum, kind) => sum + kind.closed, 0),
    failed: row.results.reduce((sum, result) => sum + result.failedToConnect, 0),
  };
}

function tableRow(row: Row): string {
  const s = summarize(row);
  const viewers = VIEWERS * row.results.length;
  return `| ${[
    row.label,
    `${row.cameras} × ${viewers / row.cameras}`,
    fixed((100 * row.serverCpuSeconds) / row.unionSeconds, 0),
    fixed(s.cpuPerGb, 2),
    fixed(s.gbps, 3),
    `${fixed(s.fpsMean)} / ${fixed(s.fpsWorstP01)} (${fixed((100 * s.fpsWorstP01) / FPS, 0)} %)`,
    `${fixed(s.ageP50)} / ${fixed(s.ageP99)}`,
    s.failed > 0 ? `${s.closed} (${s.failed} failed to connect)` : String(s.closed),
    fixed(row.rssPeakMb, 0),
    fixed(row.skewMs, 0),
  ].join(' | ')} |`;
}

async function main(): Promise<void> {
  await requirePrerequisites([
    toolPrerequisite('ffmpeg', 'the cameras bench (pre-encoded frames)'),
    toolPrerequisite(
      'taskset',
      'the cameras bench (pins the server and the load generators)',
      'apt-get install util-linux',
    ),
    coresPrerequisite(2, 'the cameras bench (server on core 0, load generators on core 1)'),
  ]);
  printRunHeader('@mjpeg-kit/server: many cameras in one process');
  console.log(
    `${CAMERAS} cameras of distinct ${WIDTH}×${HEIGHT} frames at ${FPS} fps, ${VIEWERS} viewers each, ` +
      `against ${CAMERAS * VIEWERS} viewers of one camera; server on core 0, ${CAMERAS} load generators on core 1; ` +
      `${WARMUP_MS / 1000} s warm-up, ${WINDOW_MS / 1000} s window.\n`,
  );
  const many = await measure(`${CAMERAS} cameras`, CAMERAS, CAMERAS);
  const one = await measure('1 camera', 1, CAMERAS);
  console.log(
    '| row | cameras × viewers | server CPU % of a core | CPU s per GB | GB/s delivered | fps per viewer (mean / worst camera p1) | frame age ms (worst camera p50 / p99) | viewers dropped | peak RSS MB | window skew ms |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(tableRow(many));
  console.log(tableRow(one));
  const a = summarize(many);
  const b = summarize(one);
  const ratio = a.cpuPerGb / b.cpuPerGb;
  console.log(
    `\nCPU per delivered GB, ${CAMERAS} cameras vs 1: ${fixed(ratio, 2)}× (target ≤ ${MAX_CPU_PER_GB_RATIO}×: ${ratio <= MAX_CPU_PER_GB_RATIO ? 'met' : 'not met'}).`,
  );
  const share = a.fpsWorstP01 / FPS;
  console.log(
    `Worst camera's 1st-percentile viewer: ${fixed(100 * share, 1)} % of ${FPS} fps (target ≥ ${100 * MIN_FRAME_SHARE} %: ${share >= MIN_FRAME_SHARE ? 'met' : 'not met'}); ` +
      `p99 frame age ${fixed(a.ageP99)} ms (target < ${MAX_AGE_P99_MS} ms: ${a.ageP99 < MAX_AGE_P99_MS ? 'met' : 'not met'}).`,
  );
  if (quick) console.log('(--quick: a smoke run at reduced size; its numbers are not the targets.)');
}

await main();
