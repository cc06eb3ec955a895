/**
 * The load generator, in its own process (pinned to core 1 by run.ts). Opens N viewers on
 * loopback, counts whole frames per viewer, each frame's age on arrival (now minus the
 * publish instant stamped in the frame) and the time to first frame. It never parses the
 * multipart stream: one native search per read finds each frame's stamp, and the frame
 * counts as whole once the stream has reached the stamp's offset plus the frame length.
 *
 * Usage: node --import tsx loadgen.ts '<json options>'. Prints `OPEN`, `START`, then
 * `END <json result>` on stdout, then closes every socket and exits. The result carries the
 * window's instants, so the server's side counts what was open and what closed inside the
 * window, not the teardown after it.
 */
import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { partialMatchLength } from '@mjpeg-kit/bytes';
import { nowMs, STAMP_BYTES, STAMP_NEEDLE, STAMP_OFFSET } from './frames.js';

export interface LoadOptions {
  port: number;
  path: string;
  viewers: number;
  /** Fractions of the audience that read at `slowFactor` of the stream's byte rate, or never read. */
  slow?: number;
  stalled?: number;
  slowFactor?: number;
  /** Stream byte rate (bytes/s) the slow viewers' budget is derived from. */
  streamBytesPerSecond?: number;
  warmupMs: number;
  windowMs: number;
  /** Connections opened concurrently while ramping up (before any request is sent). */
  connectBatch?: number;
  /** Each viewer its own HTTP/2 connection (h2c, prior knowledge) with one stream on it. */
  http2?: boolean;
}

export type ViewerKind = 'healthy' | 'slow' | 'stalled';

/** What a viewer reads from: its socket, or its HTTP/2 stream. */
interface Reader {
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
}

interface Viewer {
  kind: ViewerKind;
  socket: Reader;
  /** HTTP/2 only: the viewer's connection (its stream is requested with the others). */
  session?: ClientHttp2Session;
  connectAt: number;
  firstFrameAt: number;
  received: number;
  tail: Buffer | undefined;
  /** Stream offsets where stamped-but-unfinished frames end, with their publish instants. */
  pendingEnd: number[];
  pendingTs: number[];
  frames: number;
  windowFrames: number;
  closed: boolean;
  // Slow viewers: token bucket.
  budgetStart: number;
  paused: boolean;
}

export interface KindResult {
  viewers: number;
  /** Whole frames per viewer per second in the window: mean, and the 1st percentile viewer. */
  fpsMean: number;
  fpsP01: number;
  ageP50: number;
  ageP99: number;
  ageMax: number;
  ttffP50: number;
  ttffP99: number;
  /** Viewers closed (by the server or an error) before the window ended. */
  closed: number;
  bytes: number;
}

export interface LoadResult {
  /** The measured window, as epoch milliseconds on the clock every bench process shares (`nowMs`). */
  windowStartMs: number;
  windowEndMs: number;
  windowSeconds: number;
  bytes: number;
  cpuSeconds: number;
  kinds: Partial<Record<ViewerKind, KindResult>>;
  failedToConnect: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const request = Buffer.from(
  `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n\r\n`,
  'latin1',
);
const viewers: Viewer[] = [];
let inWindow = false;
let windowStart = 0;
const ages: Record<ViewerKind, number[]> = { healthy: [], slow: [], stalled: [] };
const slowRate = (options.streamBytesPerSecond ?? 0) * (options.slowFactor ?? 0.25);

function stampAt(buffer: Buffer, at: number, viewer: Viewer, absolute: number): void {
  const digits = buffer.toString('latin1', at + STAMP_NEEDLE.length, at + STAMP_BYTES);
  const timestamp = Number(digits.slice(0, 16)) / 1000;
  const length = Number(digits.slice(24, 32));
  viewer.pendingEnd.push(absolute - STAMP_OFFSET + length);
  viewer.pendingTs.push(timestamp);
}

function onData(viewer: Viewer, chunk: Buffer): void {
  const base = viewer.received;
  viewer.received += chunk.length;
  let from = 0;
  // A stamp that began in the previous read's last bytes (the tail starts at a needle prefix).
  const tail = viewer.tail;
  if (tail !== undefined) {
    viewer.tail = undefined;
    const joined = Buffer.concat([tail, chunk.subarray(0, STAMP_BYTES - tail.length)]);
    if (joined.length < STAMP_BYTES) {
      if (partialMatchLength(joined, STAMP_NEEDLE) === joined.length || joined.indexOf(STAMP_NEEDLE) === 0) {
        viewer.tail = joined;
      }
      return;
    }
    if (joined.indexOf(STAMP_NEEDLE) === 0) {
      stampAt(joined, 0, viewer, base - tail.length);
      from = STAMP_BYTES - tail.length;
    }
  }
  let at = chunk.indexOf(STAMP_NEEDLE, from);
  while (at !== -1) {
    if (at + STAMP_BYTES > chunk.length) {
      viewer.tail = Buffer.from(chunk.subarray(at));
      break;
    }
    stampAt(chunk, at, viewer, base + at);
    at = chunk.indexOf(STAMP_NEEDLE, at + STAMP_BYTES);
  }
  if (at === -1) {
    // Hold back only bytes that could begin the needle.
    const partial = partialMatchLength(
      chunk,
      STAMP_NEEDLE,
      Math.max(from, chunk.length - STAMP_NEEDLE.length),
    );
    if (partial > 0) viewer.tail = Buffer.from(chunk.subarray(chunk.length - partial));
  }
  if (viewer.pendingEnd.length > 0 && viewer.pendingEnd[0]! <= viewer.received) {
    const now = nowMs();
    while (viewer.pendingEnd.length > 0 && viewer.pendingEnd[0]! <= viewer.received) {
      viewer.pendingEnd.shift();
      const timestamp = viewer.pendingTs.shift()!;
      viewer.frames++;
      if (viewer.firstFrameAt === 0) viewer.firstFrameAt = now;
      if (inWindow) {
        viewer.windowFrames++;
        ages[viewer.kind].push(now - timestamp);
      }
    }
  }
  if (viewer.kind === 'slow') throttle(viewer);
}

/** Reads no faster than `slowRate` bytes/s: pause until the budget catches up. */
function throttle(viewer: Viewer): void {
  const allowed = (nowMs() - viewer.budgetStart) * (slowRate / 1000);
  const ahead = viewer.received - allowed;
  if (ahead > 0 && !viewer.paused) {
    viewer.paused = true;
    viewer.socket.pause();
    setTimeout(
      () => {
        viewer.paused = false;
        if (!viewer.closed) viewer.socket.resume();
      },
      Math.ceil((ahead / slowRate) * 1000),
    );
  }
}

/** One read buffer for every socket: reads are handled synchronously, so no per-read allocation. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** A viewer's counters before it connects, shared by the HTTP/1.1 and HTTP/2 openers. */
function newViewer(kind: ViewerKind): Viewer {
  return {
    kind,
    connectAt: 0,
    firstFrameAt: 0,
    received: 0,
    tail: undefined,
    pendingEnd: [],
    pendingTs: [],
    frames: 0,
    windowFrames: 0,
    closed: false,
    budgetStart: 0,
    paused: false,
  } as unknown as Viewer;
}

/** Connects a viewer without sending its request yet (so the ramp is not slowed by streams). */
function open(kind: ViewerKind): Promise<Viewer | undefined> {
  return new Promise((resolve) => {
    const viewer = newViewer(kind);
    const socket = connect({
      host: '127.0.0.1',
      port: options.port,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          onData(viewer, (buffer as Buffer).subarray(0, bytes));
          return true;
        },
      },
    });
    viewer.socket = socket;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(viewer);
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    socket.on('close', () => {
      viewer.closed = true;
    });
  });
}

/** Connects an HTTP/2 viewer (its session, settled) without requesting its stream yet. */
function openHttp2(kind: ViewerKind): Promise<Viewer | undefined> {
  return new Promise((resolve) => {
    const viewer = newViewer(kind);
    const session = connectHttp2(`http://127.0.0.1:${options.port}`);
    viewer.session = session;
    const timer = setTimeout(() => {
      session.destroy();
      resolve(undefined);
    }, 10_000);
    session.once('connect', () => {
      clearTimeout(timer);
      resolve(viewer);
    });
    session.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    session.on('close', () => {
      viewer.closed = true;
    });
  });
}

/** Sends every viewer's request in one go: the server sees the whole audience arrive at once. */
function requestAll(): void {
  for (const viewer of viewers) {
    if (viewer.session !== undefined) {
      const stream = viewer.session.request({ ':path': options.path });
      stream.on('data', (chunk: Buffer) => onData(viewer, chunk));
      stream.on('error', () => {});
      stream.on('close', () => {
        viewer.closed = true;
      });
      viewer.socket = stream;
    }
    if (viewer.kind === 'stalled') viewer.socket.pause();
    viewer.connectAt = nowMs();
    viewer.budgetStart = viewer.connectAt;
    if (viewer.session === undefined) (viewer.socket as Socket).write(request);
  }
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summarise(kind: ViewerKind, windowSeconds: number): KindResult | undefined {
  const group = viewers.filter((viewer) => viewer.kind === kind);
  if (group.length === 0) return undefined;
  const fps = Float64Array.from(group, (viewer) => viewer.windowFrames / windowSeconds).sort();
  const kindAges = Float64Array.from(ages[kind]).sort();
  const ttff = Float64Array.from(
    group.filter((viewer) => viewer.firstFrameAt > 0),
    (viewer) => viewer.firstFrameAt - viewer.connectAt,
  ).sort();
  return {
    viewers: group.length,
    fpsMean: fps.reduce((sum, value) => sum + value, 0) / fps.length,
    fpsP01: quantile(fps, 0.01),
    ageP50: quantile(kindAges, 0.5),
    ageP99: quantile(kindAges, 0.99),
    ageMax: kindAges.length > 0 ? kindAges[kindAges.length - 1]! : Number.NaN,
    ttffP50: quantile(ttff, 0.5),
    ttffP99: quantile(ttff, 0.99),
    closed: group.filter((viewer) => viewer.closed).length,
    bytes: group.reduce((sum, viewer) => sum + viewer.received, 0),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  // Interleave kinds so every ramp batch holds the same mix: slots of ten viewers.
  const slowSlots = Math.round(10 * (options.slow ?? 0));
  const stalledSlots = Math.round(10 * (options.stalled ?? 0));
  const kinds = Array.from({ length: options.viewers }, (_, i): ViewerKind => {
    const slot = i % 10;
    return slot < slowSlots ? 'slow' : slot < slowSlots + stalledSlots ? 'stalled' : 'healthy';
  });
  let failedToConnect = 0;
  const batch = options.connectBatch ?? 200;
  for (let i = 0; i < kinds.length; i += batch) {
    const opened = await Promise.all(
      kinds.slice(i, i + batch).map((kind) => (options.http2 ? openHttp2(kind) : open(kind))),
    );
    for (const viewer of opened) {
      if (viewer) viewers.push(viewer);
      else failedToConnect++;
    }
  }
  requestAll();
  process.stdout.write('OPEN\n');
  await sleep(options.warmupMs);
  const cpuStart = process.cpuUsage();
  const bytesStart = viewers.reduce((sum, viewer) => sum + viewer.received, 0);
  windowStart = nowMs();
  inWindow = true;
  process.stdout.write('START\n');
  await sleep(options.windowMs);
  inWindow = false;
  const windowEnd = nowMs();
  const windowSeconds = (windowEnd - windowStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const bytes = viewers.reduce((sum, viewer) => sum + viewer.received, 0) - bytesStart;
  const result: LoadResult = {
    windowStartMs: windowStart,
    windowEndMs: windowEnd,
    windowSeconds,
    bytes,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    kinds: {
      healthy: summarise('healthy', windowSeconds),
      slow: summarise('slow', windowSeconds),
      stalled: summarise('stalled', windowSeconds),
    },
    failedToConnect,
  };
  process.stdout.write(`END ${JSON.stringify(result)}\n`);
  for (const viewer of viewers) {
    viewer.socket.destroy();
    viewer.session?.destroy();
  }
  process.exit(0);
}

await main();
