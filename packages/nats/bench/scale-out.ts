/**
 * Scale-out on one machine: an origin (`mjpeg-kit-server`, synthetic 640×480 camera at 30 fps,
 * `--publish` to node 1) into a three-node NATS cluster, four edges (`--source nats://…` on
 * nodes 1–3 round robin), V viewers spread over the edges; then the same V viewers on one
 * server with the same camera, for comparison.
 *
 * Servers and NATS nodes are pinned to core 0, the viewer processes (viewers.ts, one per edge,
 * the same four against the single server) to core 1, as packages/server/bench does. CPU is
 * `utime + stime` from /proc/PID/stat, from the first viewer process's window start to the last
 * one's end. The origin's cost per edge is measured with no viewers: the origin and the cluster
 * with 1 edge subscribed, then with 4, over the same window.
 *
 * Run: `npm run bench` in packages/nats (`-- --quick`: 200 viewers, short windows;
 * `--viewers=2000 --window-ms=8000` pick the sizes; `--plan-cameras=100 --plan-viewers=10000
 * --plan-replicas=2` the sizing section's: viewers in all, edges per camera).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  filePrerequisite,
  printRunHeader,
  readBenchOptions,
  readOption,
  requirePrerequisites,
  toolPrerequisite,
} from '@mjpeg-kit/bench-support';
import type { LoadResult } from '../../server/bench/loadgen.js';
import { cpuSeconds, memoryMb } from '../../server/bench/proc.js';
import { NatsCluster } from '../test/cluster.js';
import type { ViewerOptions } from './viewers.js';

const args = process.argv.slice(2);
const { quick } = readBenchOptions({ baseline: false }, args);
const numberOption = (name: string): number | undefined => {
  const value = readOption(name, args);
  return value === undefined ? undefined : Number(value);
};
const CLI = fileURLToPath(new URL('../../../apps/server/dist/cli.js', import.meta.url));
const FPS = 30;
const WIDTH = 640;
const HEIGHT = 480;
const EDGES = 4;
const VIEWERS = numberOption('viewers') ?? (quick ? 200 : 2000);
const WARMUP_MS = quick ? 1500 : 3000;
const WINDOW_MS = numberOption('window-ms') ?? (quick ? 3000 : 8000);
/** The no-viewer windows that price one more edge at the origin (small numbers: a longer window). */
const IDLE_WINDOW_MS = quick ? 3000 : 10_000;
const PREFIX = 'bench';
/** The CLI's single camera is `default`: the origin publishes `bench.default.*`. */
const SUBJECT = `${PREFIX}.default`;
const START_TIMEOUT_MS = 30_000;
const ONLINE_TIMEOUT_MS = 20_000;
/** Targets. */
const MAX_CPU_PER_GB_RATIO = 1.1;
const MAX_ORIGIN_PER_EDGE_CORE_PERCENT = 2;
const MAX_BUS_AGE_P99_MS = 10;
/** The planning section: the cameras and viewers it sizes for, and a core's usable share. */
const PLAN_CAMERAS = numberOption('plan-cameras') ?? 100;
const PLAN_VIEWERS = numberOption('plan-viewers') ?? 10_000;
const USABLE_CORE = 0.7;
/** Edges each camera is served from in the plan (so losing one edge loses no camera). */
const PLAN_REPLICAS = numberOption('plan-replicas') ?? 2;

const taskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Every process this bench starts, stopped by pid in `finally`. */
const started: ChildProcess[] = [];

function pinned(core: number, argv: string[]): ChildProcess {
  const child = taskset
    ? spawn('taskset', ['-c', String(core), ...argv], {
        cwd: import.meta.dirname,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(argv[0]!, argv.slice(1), { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return child;
}

/** Moves a running process (a NATS node) to `core`. */
function pin(pid: number, core: number): void {
  if (taskset) execFileSync('taskset', ['-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface Server {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
}

/** Starts the CLI pinned to core 0 and waits (bounded) for its readiness line. */
function startServer(label: string, cliArgs: string[]): Promise<Server> {
  const child = pinned(0, [process.execPath, CLI, '--port', '0', '--log-level', 'warn', ...cliArgs]);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} did not start in ${START_TIMEOUT_MS} ms: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^mjpeg-kit-server listening on (https?:\/\/[^\s]+\/)$/.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      const url = match[1]!;
      resolve({ child, pid: child.pid!, url, port: Number(new URL(url).port) });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code}: ${stderr}`));
    });
  });
}

/** Waits (bounded) until the server's camera has frames (an edge: from the origin, over NATS). */
async function waitOnline(server: Server, label: string): Promise<void> {
  const deadline = Date.now() + ONLINE_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`${server.url}state`, { signal: AbortSignal.timeout(1000) });
      const state = (await response.json()) as { source?: { online?: boolean } };
      if (state.source?.online === true) return;
    } catch {
      // Not answering yet.
    }
    if (Date.now() > deadline) throw new Error(`${label} not online in ${ONLINE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const safe = <T>(read: () => T, fallback: T): T => {
  try {
    return read();
  } catch {
    return fallback;
  }
};

/** CPU seconds of each group of pids (NaN for a process gone). */
function cpuOf(groups: Record<string, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups)) {
    out[name] = pids.reduce((sum, pid) => sum + safe(() => cpuSeconds(pid), Number.NaN), 0);
  }
  return out;
}

function diff(end: Record<string, number>, start: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(end).map((name) => [name, end[name]! - start[name]!]));
}

interface Row {
  label: string;
  results: LoadResult[];
  cpu: Record<string, number>;
  seconds: number;
  skewMs: number;
  rssPeakMb: number;
  loadAverage: number;
}

/** Runs one viewer process per port (pinned to core 1) and reads every group's CPU over their windows. */
async function measure(label: string, ports: number[], groups: Record<string, number[]>): Promise<Row> {
  const generators: ChildProcess[] = [];
  let startedWindows = 0;
  let ended = 0;
  let cpuStart: Record<string, number> = {};
  let cpuEnd: Record<string, number> = {};
  let rssPeakMb = Number.NaN;
  try {
    const results = await Promise.all(
      ports.map((port, index) => {
        const share = Math.floor(VIEWERS / ports.length) + (index < VIEWERS % ports.length ? 1 : 0);
        const load: ViewerOptions = {
          port,
          path: '/stream',
          viewers: share,
          warmupMs: WARMUP_MS,
          windowMs: WINDOW_MS,
        };
        const child = pinned(1, [process.execPath, '--import', 'tsx', 'viewers.ts', JSON.stringify(load)]);
        child.stderr!.resume();
        generators.push(child);
        return new Promise<LoadResult>((resolve, reject) => {
          const limit = setTimeout(
            () => {
              child.kill('SIGKILL');
              reject(new Error(`${label}: viewer process ${index} timed out`));
            },
            WARMUP_MS + WINDOW_MS + 90_000,
          );
          createInterface({ input: child.stdout! }).on('line', (line) => {
            if (line === 'START' && startedWindows++ === 0) cpuStart = cpuOf(groups);
            if (!line.startsWith('END ')) return;
            if (++ended === ports.length) {
              cpuEnd = cpuOf(groups);
              const pids = Object.values(groups).flat();
              rssPeakMb = Math.max(...pids.map((pid) => safe(() => memoryMb(pid).peak, Number.NaN)));
            }
            clearTimeout(limit);
            resolve(JSON.parse(line.slice(4)) as LoadResult);
          });
          child.once('exit', (code) => {
            if (code === 0) return;
            clearTimeout(limit);
            reject(new Error(`${label}: viewer process ${index} exited with ${code}`));
          });
        });
      }),
    );
    const firstStart = Math.min(...results.map((result) => result.windowStartMs));
    const lastStart = Math.max(...results.map((result) => result.windowStartMs));
    const lastEnd = Math.max(...results.map((result) => result.windowEndMs));
    return {
      label,
      results,
      cpu: diff(cpuEnd, cpuStart),
      seconds: (lastEnd - firstStart) / 1000,
      skewMs: lastStart - firstStart,
      rssPeakMb,
      loadAverage: loadavg()[0] ?? Number.NaN,
    };
  } finally {
    for (const child of generators) await stop(child);
  }
}

/** Every group's CPU over a window without viewers. */
async function idleWindow(
  groups: Record<string, number[]>,
): Promise<{ cpu: Record<string, number>; seconds: number }> {
  const begin = performance.now();
  const start = cpuOf(groups);
  await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
  const cpu = diff(cpuOf(groups), start);
  return { cpu, seconds: (performance.now() - begin) / 1000 };
}

interface Summary {
  bytes: number;
  gbps: number;
  frames: number;
  meanFrameBytes: number;
  fpsMean: number;
  fpsP01: number;
  ageP50: number;
  ageP99: number;
  closed: number;
  failed: number;
}

function summarize(row: Row): Summary {
  const healthy = row.results.map((result) => result.kinds.healthy!);
  const bytes = row.results.reduce((sum, result) => sum + result.bytes, 0);
  const viewers = healthy.reduce((sum, kind) => sum + kind.viewers, 0);
  const frames = row.results.reduce(
    (sum, result) =>
      sum + result.kinds.healthy!.fpsMean * result.kinds.healthy!.viewers * result.windowSeconds,
    0,
  );
  return {
    bytes,
    gbps: bytes / row.results[0]!.windowSeconds / 1e9,
    frames,
    meanFrameBytes: bytes / frames,
    fpsMean: healthy.reduce((sum, kind) => sum + kind.fpsMean * kind.viewers, 0) / viewers,
    fpsP01: Math.min(...healthy.map((kind) => kind.fpsP01)),
    ageP50: Math.max(...healthy.map((kind) => kind.ageP50)),
    ageP99: Math.max(...healthy.map((kind) => kind.ageP99)),
    closed: healthy.reduce((sum, kind) => sum + kind.closed, 0),
    failed: row.results.reduce((sum, result) => sum + result.failedToConnect, 0),
  };
}

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const percent = (cpu: number, seconds: number): number => (100 * cpu) / seconds;
const verdict = (met: boolean): string => (met ? 'met' : 'missed');

/** Single-core memcpy rate (GB/s) of frame-sized buffers: one copy per delivered byte is the floor. */
function memcpyGbps(frameBytes: number): number {
  const source = Buffer.alloc(Math.max(1024, Math.round(frameBytes)), 7);
  const target = Buffer.alloc(source.length);
  let copied = 0;
  const begin = performance.now();
  while (performance.now() - begin < 300) {
    for (let i = 0; i < 100; i++) source.copy(target);
    copied += 100 * source.length;
  }
  return copied / ((performance.now() - begin) / 1000) / 1e9;
}

async function main(): Promise<void> {
  await requirePrerequisites([
    toolPrerequisite(
      'nats-server',
      'the scale-out bench (a three-node cluster)',
      'apt-get install nats-server',
    ),
    filePrerequisite(
      CLI,
      'the scale-out bench (the origin, edges and single server)',
      'npx turbo run build --filter=mjpeg-kit-server...',
    ),
  ]);
  printRunHeader('@mjpeg-kit/nats: scale-out (origin → 3-node NATS cluster → 4 edges) against one server');
  console.log(
    `Synthetic ${WIDTH}×${HEIGHT} camera at ${FPS} fps; ${VIEWERS} viewers over ${EDGES} edges (nodes 1–3 round robin), ` +
      `then the same ${VIEWERS} on one server; ${taskset ? 'servers and NATS on core 0, viewer processes on core 1' : 'unpinned (no taskset)'}; ` +
      `${WARMUP_MS / 1000} s warm-up, ${WINDOW_MS / 1000} s window; origin per-edge cost over ${IDLE_WINDOW_MS / 1000} s windows without viewers.\n`,
  );
  const camera = [
    '--source',
    'synthetic',
    '--audio',
    'none',
    '--size',
    `${WIDTH}x${HEIGHT}`,
    '--fps',
    String(FPS),
  ];
  const cluster = new NatsCluster(3);
  let scaled: Row;
  let single: Row;
  let oneEdge: { cpu: Record<string, number>; seconds: number };
  let fourEdges: { cpu: Record<string, number>; seconds: number };
  try {
    await cluster.start();
    const natsPids = cluster.nodes.map((node) => node.process!.pid!);
    for (const pid of natsPids) pin(pid, 0);
    const origin = await startServer('origin', [
      ...camera,
      '--publish',
      `nats://${cluster.nodes[0]!.url}/${PREFIX}`,
    ]);
    await waitOnline(origin, 'origin');
    const edges: Server[] = [];
    const startEdge = async (index: number) => {
      const node = cluster.nodes[index % cluster.nodes.length]!;
      const edge = await startServer(`edge ${index + 1}`, ['--source', `nats://${node.url}/${SUBJECT}`]);
      edges.push(edge);
      await waitOnline(edge, `edge ${index + 1}`);
    };
    await startEdge(0);
    const idleGroups = () => ({
      origin: [origin.pid],
      nats: natsPids,
      edges: edges.map((edge) => edge.pid),
    });
    oneEdge = await idleWindow(idleGroups());
    for (let index = 1; index < EDGES; index++) await startEdge(index);
    fourEdges = await idleWindow(idleGroups());
    scaled = await measure(
      `${EDGES} edges`,
      edges.map((edge) => edge.port),
      idleGroups(),
    );
    for (const edge of edges) await stop(edge.child);
    await stop(origin.child);
    await cluster.stop();
    const server = await startServer('single server', camera);
    await waitOnline(server, 'single server');
    single = await measure(
      '1 server',
      edges.map(() => server.port),
      { server: [server.pid] },
    );
  } finally {
    await Promise.all(started.map((child) => stop(child)));
    await cluster.stop();
  }

  const a = summarize(scaled);
  const b = summarize(single);
  const edgesCpu = scaled.cpu.edges!;
  const serverCpu = single.cpu.server!;
  const edgesPerGb = edgesCpu / (a.bytes / 1e9);
  const singlePerGb = serverCpu / (b.bytes / 1e9);
  const ratio = edgesPerGb / singlePerGb;

  console.log(
    '| row | viewers | origin CPU % | NATS nodes CPU % (3) | edges / server CPU % | CPU s per GB (edges / server) | GB/s delivered | fps per viewer (mean / worst p1) | frame age ms (p50 / p99) | viewers dropped | peak RSS MB (largest process) | window skew ms | host load avg |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const row = (r: Row, s: Summary, originCpu: number, natsCpu: number, servingCpu: number) =>
    console.log(
      `| ${[
        r.label,
        s.failed > 0 ? `${VIEWERS} (${s.failed} failed to connect)` : String(VIEWERS),
        fixed(percent(originCpu, r.seconds), 0),
        fixed(percent(natsCpu, r.seconds), 0),
        fixed(percent(servingCpu, r.seconds), 0),
        fixed(servingCpu / (s.bytes / 1e9), 2),
        fixed(s.gbps, 3),
        `${fixed(s.fpsMean)} / ${fixed(s.fpsP01)}`,
        `${fixed(s.ageP50)} / ${fixed(s.ageP99)}`,
        String(s.closed),
        fixed(r.rssPeakMb, 0),
        fixed(r.skewMs, 0),
        fixed(r.loadAverage),
      ].join(' | ')} |`,
    );
  row(scaled, a, scaled.cpu.origin!, scaled.cpu.nats!, edgesCpu);
  row(single, b, Number.NaN, Number.NaN, serverCpu);

  console.log('\nWithout viewers (the origin and the cluster as edges subscribe):\n');
  console.log('| edges subscribed | origin CPU % | NATS nodes CPU % (3) | edges CPU % (all) | window s |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const [count, idle] of [
    [1, oneEdge],
    [EDGES, fourEdges],
  ] as const) {
    console.log(
      `| ${count} | ${fixed(percent(idle.cpu.origin!, idle.seconds))} | ${fixed(percent(idle.cpu.nats!, idle.seconds))} | ${fixed(percent(idle.cpu.edges!, idle.seconds))} | ${fixed(idle.seconds)} |`,
    );
  }
  const originPerEdge =
    (percent(fourEdges.cpu.origin!, fourEdges.seconds) - percent(oneEdge.cpu.origin!, oneEdge.seconds)) /
    (EDGES - 1);
  const natsPerEdge =
    (percent(fourEdges.cpu.nats!, fourEdges.seconds) - percent(oneEdge.cpu.nats!, oneEdge.seconds)) /
    (EDGES - 1);
  const natsBase = percent(oneEdge.cpu.nats!, oneEdge.seconds) - natsPerEdge;
  const edgeIngest = percent(fourEdges.cpu.edges!, fourEdges.seconds) / EDGES;
  const originPercent = percent(oneEdge.cpu.origin!, oneEdge.seconds) - originPerEdge;
  const busAge = a.ageP99 - b.ageP99;
  // The edges' fixed cost (subscribing, reassembling) is in their CPU whether anyone watches.
  const servingPerGb =
    (edgesCpu - (fourEdges.cpu.edges! / fourEdges.seconds) * scaled.seconds) / (a.bytes / 1e9);

  console.log('\n## Targets\n');
  console.log(
    `- CPU per delivered GB, edges vs one server: ${fixed(edgesPerGb, 2)} vs ${fixed(singlePerGb, 2)} s/GB = ${fixed(ratio, 2)}× ` +
      `(target ≤ ${MAX_CPU_PER_GB_RATIO}×: ${verdict(ratio <= MAX_CPU_PER_GB_RATIO)}). The one server also renders the camera; ` +
      `the edges do not (the origin does, ${fixed(originPercent)} % of a core). ` +
      `Less the edges' no-viewer CPU (${fixed(percent(fourEdges.cpu.edges!, fourEdges.seconds))} % for ${EDGES}): ${fixed(servingPerGb, 2)} s/GB = ${fixed(servingPerGb / singlePerGb, 2)}×.`,
  );
  console.log(
    `- The origin's cost per added edge: (${fixed(percent(fourEdges.cpu.origin!, fourEdges.seconds))} − ${fixed(percent(oneEdge.cpu.origin!, oneEdge.seconds))}) / ${EDGES - 1} = ` +
      `${fixed(originPerEdge, 2)} % of a core (target < ${MAX_ORIGIN_PER_EDGE_CORE_PERCENT} %: ${verdict(originPerEdge < MAX_ORIGIN_PER_EDGE_CORE_PERCENT)}). ` +
      `The cluster's per added edge: ${fixed(natsPerEdge, 2)} % of a core.`,
  );
  console.log(
    `- Frame age p99, edges vs one server: ${fixed(a.ageP99)} vs ${fixed(b.ageP99)} ms (p50 ${fixed(a.ageP50)} vs ${fixed(b.ageP50)}): ` +
      `the bus adds ${fixed(busAge)} ms (target < ${MAX_BUS_AGE_P99_MS} ms: ${verdict(busAge < MAX_BUS_AGE_P99_MS)}).`,
  );
  const memcpy = memcpyGbps(a.meanFrameBytes);
  console.log(
    `- Physical limit: one memcpy per delivered byte (into the socket) at ${fixed(memcpy, 1)} GB/s on one core is a floor of ` +
      `${fixed(1 / memcpy, 3)} CPU s per GB; the edges pay ${fixed(edgesPerGb * memcpy, 0)}× it, the one server ${fixed(singlePerGb * memcpy, 0)}×. ` +
      `Delivered ${fixed(a.gbps, 3)} GB/s, the asked rate (viewers × ${FPS} fps × ${fixed(a.meanFrameBytes / 1000)} KB) ` +
      `${fixed((VIEWERS * FPS * a.meanFrameBytes) / 1e9, 3)} GB/s.`,
  );
  if (quick) console.log('(--quick: a smoke run at reduced size; its numbers are not the targets.)');

  console.log(`\n## Sizing ${PLAN_CAMERAS} cameras × ${PLAN_VIEWERS} viewers from these numbers\n`);
  // Noisy small differences can come out below zero: a cost is at least 0.
  const floor0 = (value: number): number => Math.max(0, value);
  const gbps = (PLAN_VIEWERS * FPS * a.meanFrameBytes) / 1e9;
  const serveCores = gbps * floor0(servingPerGb);
  const ingestCore = floor0(edgeIngest) / 100;
  const allToAll = PLAN_CAMERAS * ingestCore;
  const subscriptions = PLAN_REPLICAS * PLAN_CAMERAS;
  const edgesNeeded = Math.max(
    PLAN_REPLICAS,
    Math.ceil((subscriptions * ingestCore + serveCores) / USABLE_CORE),
  );
  const natsCores = (PLAN_CAMERAS * floor0(natsBase) + subscriptions * floor0(natsPerEdge)) / 100;
  const natsNodes = Math.max(3, Math.ceil(natsCores / USABLE_CORE));
  const originCores = (PLAN_CAMERAS * floor0(originPercent)) / 100;
  console.log(
    [
      `- Viewers read ${PLAN_VIEWERS} × ${FPS} fps × ${fixed(a.meanFrameBytes / 1000)} KB (the mean frame measured) = ${fixed(gbps, 2)} GB/s; ` +
        `${PLAN_VIEWERS} viewers in all (${fixed(PLAN_VIEWERS / PLAN_CAMERAS, 0)} per camera; --plan-viewers=${PLAN_VIEWERS * PLAN_CAMERAS} for ${PLAN_VIEWERS} per camera).`,
      `- Serving: ${fixed(gbps, 2)} GB/s × ${fixed(servingPerGb, 2)} edge CPU s per GB (the edges' CPU less their no-viewer ingest) = ${fixed(serveCores, 2)} cores.`,
      `- Ingest: ${fixed(edgeIngest, 2)} % of a core per camera per edge (measured without viewers). Every edge taking every camera would spend ` +
        `${fixed(allToAll, 2)} core${allToAll >= USABLE_CORE ? ` on ingest alone, more than the ${USABLE_CORE} of a core an edge is planned at: so cameras are sharded` : ''}: ` +
        `each camera on ${PLAN_REPLICAS} edges (one lost, its viewers reconnect to the other), ${subscriptions} subscriptions = ${fixed(subscriptions * ingestCore, 2)} cores.`,
      `- Edges at ≤ ${USABLE_CORE * 100} % of a core each (one process, one core): (${fixed(subscriptions * ingestCore, 2)} + ${fixed(serveCores, 2)}) / ${USABLE_CORE} → **${edgesNeeded} edges**.`,
      `- NATS: ${fixed(floor0(natsBase), 2)} % of a core per camera published + ${fixed(floor0(natsPerEdge), 2)} % per edge subscribed → ` +
        `${PLAN_CAMERAS} × ${fixed(floor0(natsBase), 2)} % + ${subscriptions} × ${fixed(floor0(natsPerEdge), 2)} % = ${fixed(natsCores, 2)} cores → **${natsNodes} NATS nodes** ` +
        `(at least 3, so the cluster survives a node's loss; ≤ ${USABLE_CORE * 100} % of a core each).`,
      `- Origins: ${PLAN_CAMERAS} × ${fixed(floor0(originPercent), 2)} % = ${fixed(originCores, 2)} cores (here that is rendering the synthetic camera and publishing once; ` +
        'a real source costs what reading it costs, and the origin pays nothing per edge).',
    ].join('\n'),
  );
}

await main();
