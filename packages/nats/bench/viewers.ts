/**
 * A load generator for the real `mjpeg-kit-server` (pinned to core 1 by scale-out.ts): N viewers
 * on one port, opened and requested the way packages/server/bench/loadgen.ts does it (all
 * connected first, every request sent at once, one shared read buffer via `onread`), and its
 * result in the same `LoadResult` shape. The CLI's synthetic camera carries no stamp in the JPEG,
 * so this one reads each part's `X-Timestamp` instead: it asks with HTTP/1.0 (the server then
 * sends the parts without chunk framing), reads each small part head as text, and counts the
 * body by `Content-Length` without copying it. A frame's age is its arrival (the last body byte)
 * minus its `X-Timestamp`, on the one host clock every process shares.
 *
 * Usage: node --import tsx viewers.ts '<json ViewerOptions>'. Prints `OPEN`, `START`, then
 * `END <json LoadResult>`, then closes every socket and exits.
 */
import { connect, type Socket } from 'node:net';
import { nowMs } from '@mjpeg-kit/bytes';
import type { KindResult, LoadResult } from '../../server/bench/loadgen.js';

export interface ViewerOptions {
  port: number;
  path: string;
  viewers: number;
  warmupMs: number;
  windowMs: number;
  connectBatch?: number;
}

/** A part head longer than this is not the server's: the viewer stops counting. */
const MAX_HEAD_BYTES = 8192;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

interface Viewer {
  socket: Socket;
  connectAt: number;
  firstFrameAt: number;
  received: number;
  /** Body bytes of the current part still to come; 0 while reading a head. */
  bodyLeft: number;
  /** The part's `X-Timestamp` in epoch ms (NaN without one). */
  timestamp: number;
  /** A head cut by a read: its bytes so far. */
  head: string;
  windowFrames: number;
  closed: boolean;
  broken: boolean;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ViewerOptions;
const request = Buffer.from(`GET ${options.path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`, 'latin1');
const viewers: Viewer[] = [];
const ages: number[] = [];
let inWindow = false;

function onHead(viewer: Viewer, head: string): void {
  // The response's own head comes first; a part head follows each delimiter.
  if (head.startsWith('HTTP/')) return;
  const length = /content-length: *(\d+)/i.exec(head);
  const stamp = /x-timestamp: *([\d.]+)/i.exec(head);
  viewer.bodyLeft = length === null ? 0 : Number(length[1]);
  viewer.timestamp = stamp === null ? Number.NaN : Number(stamp[1]) * 1000;
}

function onFrame(viewer: Viewer): void {
  const now = nowMs();
  if (viewer.firstFrameAt === 0) viewer.firstFrameAt = now;
  if (!inWindow) return;
  viewer.windowFrames++;
  if (Number.isFinite(viewer.timestamp)) ages.push(now - viewer.timestamp);
}

function onData(viewer: Viewer, chunk: Buffer): void {
  viewer.received += chunk.length;
  let at = 0;
  while (at < chunk.length && !viewer.broken) {
    if (viewer.bodyLeft > 0) {
      const take = Math.min(viewer.bodyLeft, chunk.length - at);
      viewer.bodyLeft -= take;
      at += take;
      if (viewer.bodyLeft === 0) onFrame(viewer);
      continue;
    }
    let end: number;
    let head: string;
    if (viewer.head === '') {
      const found = chunk.indexOf(HEAD_END, at);
      if (found === -1) {
        viewer.head = chunk.toString('latin1', at, Math.min(chunk.length, at + MAX_HEAD_BYTES));
        break;
      }
      end = found + HEAD_END.length;
      head = chunk.toString('latin1', at, end);
    } else {
      // The head's end may straddle the read: search the joined text.
      const joined = viewer.head + chunk.toString('latin1', at, Math.min(chunk.length, at + MAX_HEAD_BYTES));
      const found = joined.indexOf('\r\n\r\n');
      if (found === -1) {
        viewer.head = joined;
        if (joined.length > MAX_HEAD_BYTES) viewer.broken = true;
        break;
      }
      end = at + found + 4 - viewer.head.length;
      head = joined.slice(0, found + 4);
      viewer.head = '';
    }
    at = end;
    onHead(viewer, head);
  }
}

const readBuffer = Buffer.allocUnsafe(256 * 1024);

function open(): Promise<Viewer | undefined> {
  return new Promise((resolve) => {
    const viewer = {
      connectAt: 0,
      firstFrameAt: 0,
      received: 0,
      bodyLeft: 0,
      timestamp: Number.NaN,
      head: '',
      windowFrames: 0,
      closed: false,
      broken: false,
    } as unknown as Viewer;
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

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summarise(windowSeconds: number): KindResult {
  const fps = Float64Array.from(viewers, (viewer) => viewer.windowFrames / windowSeconds).sort();
  const sortedAges = Float64Array.from(ages).sort();
  const ttff = Float64Array.from(
    viewers.filter((viewer) => viewer.firstFrameAt > 0),
    (viewer) => viewer.firstFrameAt - viewer.connectAt,
  ).sort();
  return {
    viewers: viewers.length,
    fpsMean: fps.reduce((sum, value) => sum + value, 0) / Math.max(1, fps.length),
    fpsP01: quantile(fps, 0.01),
    ageP50: quantile(sortedAges, 0.5),
    ageP99: quantile(sortedAges, 0.99),
    ageMax: sortedAges.length > 0 ? sortedAges[sortedAges.length - 1]! : Number.NaN,
    ttffP50: quantile(ttff, 0.5),
    ttffP99: quantile(ttff, 0.99),
    closed: viewers.filter((viewer) => viewer.closed || viewer.broken).length,
    bytes: viewers.reduce((sum, viewer) => sum + viewer.received, 0),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  let failedToConnect = 0;
  const batch = options.connectBatch ?? 200;
  for (let i = 0; i < options.viewers; i += batch) {
    const opened = await Promise.all(Array.from({ length: Math.min(batch, options.viewers - i) }, open));
    for (const viewer of opened) {
      if (viewer) viewers.push(viewer);
      else failedToConnect++;
    }
  }
  for (const viewer of viewers) {
    viewer.connectAt = nowMs();
    viewer.socket.write(request);
  }
  process.stdout.write('OPEN\n');
  await sleep(options.warmupMs);
  const cpuStart = process.cpuUsage();
  const bytesStart = viewers.reduce((sum, viewer) => sum + viewer.received, 0);
  const windowStart = nowMs();
  inWindow = true;
  process.stdout.write('START\n');
  await sleep(options.windowMs);
  inWindow = false;
  const windowEnd = nowMs();
  const windowSeconds = (windowEnd - windowStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const result: LoadResult = {
    windowStartMs: windowStart,
    windowEndMs: windowEnd,
    windowSeconds,
    bytes: viewers.reduce((sum, viewer) => sum + viewer.received, 0) - bytesStart,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    kinds: { healthy: summarise(windowSeconds) },
    failedToConnect,
  };
  process.stdout.write(`END ${JSON.stringify(result)}\n`);
  for (const viewer of viewers) viewer.socket.destroy();
  process.exit(0);
}

await main();
