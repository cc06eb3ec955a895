/**
 * One server under test, in its own process (pinned to core 0 by run.ts), with a tiny
 * publisher that hands it the same pre-encoded, stamped frames at a fixed rate. Encoding is
 * excluded for every contender alike.
 *
 * Usage: node --import tsx contender.ts '<json options>'; prints `READY <port>` on stdout.
 * Over the IPC channel it answers `{ type: 'connections', windowStartMs, windowEndMs }` with
 * the sockets open at the window's end and the ones that closed inside it, read from the
 * instants it logged, so a load generator tearing down after the window changes neither.
 */
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { ConnectionLog } from '@mjpeg-kit/bench-support';
import { loadFrames, nowMs, stampFrame } from './frames.js';

/** The question run.ts asks over IPC, and the answer. */
export interface ConnectionsQuery {
  type: 'connections';
  windowStartMs: number;
  windowEndMs: number;
}
export interface ConnectionsAnswer {
  type: 'connections';
  /** Sockets open at `windowEndMs`. */
  open: number;
  /** Sockets that closed (either side) inside the window. */
  closedInWindow: number;
}

export type ContenderKind = 'ours' | 'ours-h2' | 'raw' | 'mjpeg-server' | 'mjpeg-proxy' | 'upstream';

export interface ContenderOptions {
  kind: ContenderKind;
  width: number;
  height: number;
  fps: number;
  /** mjpeg-proxy only: the upstream MJPEG URL it relays. */
  upstream?: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ContenderOptions;
const frames = loadFrames(options.width, options.height);
const BOUNDARY = 'mjpegkitbench';

/** Calls `publish` at `fps` on an absolute schedule (no drift), with a fresh stamped frame. */
function startPublisher(publish: (frame: Buffer, timestampMs: number, seq: number) => void): void {
  const interval = 1000 / options.fps;
  const start = nowMs();
  let seq = 0;
  const tick = (): void => {
    const timestamp = nowMs();
    const template = frames.templates[seq % frames.templates.length]!;
    publish(stampFrame(template, timestamp, seq), timestamp, seq);
    seq++;
    setTimeout(tick, Math.max(0, start + seq * interval - nowMs()));
  };
  tick();
}

/** The part head and tail exactly as our server lays them out (docs/architecture.md), for the baselines. */
function partHead(frame: Buffer, timestampMs: number): string {
  return `Content-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\nX-Timestamp: ${(timestampMs / 1000).toFixed(6)}\r\n\r\n`;
}

const STREAM_HEADERS =
  'HTTP/1.1 200 OK\r\n' +
  `Content-Type: multipart/x-mixed-replace;boundary=${BOUNDARY}\r\n` +
  'Cache-Control: no-store\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n';

/**
 * Node's I/O limit: one buffer per frame (chunk framing, part head, body, tail), written
 * as is to every socket whose previous write has drained; a backed-up socket skips the
 * frame, the least any server must do to keep memory bounded.
 */
function startRaw(): Server {
  const sockets = new Set<Socket>();
  let latest: Buffer | undefined;
  const opening = Buffer.from(`${(BOUNDARY.length + 4).toString(16)}\r\n--${BOUNDARY}\r\n\r\n`, 'latin1');
  const server = createNetServer((socket) => {
    socket.setNoDelay(true);
    socket.once('data', () => {
      socket.write(STREAM_HEADERS);
      socket.write(opening);
      if (latest) socket.write(latest);
      sockets.add(socket);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  startPublisher((frame, timestamp) => {
    const head = partHead(frame, timestamp);
    const tail = `\r\n--${BOUNDARY}\r\n`;
    const size = Buffer.byteLength(head) + frame.length + tail.length;
    const framed = Buffer.allocUnsafe(size + size.toString(16).length + 4);
    let at = framed.write(`${size.toString(16)}\r\n${head}`, 0, 'latin1');
    at += frame.copy(framed, at);
    framed.write(`${tail}\r\n`, at, 'latin1');
    latest = framed;
    for (const socket of sockets) if (socket.writableLength === 0) socket.write(framed);
  });
  return server;
}

async function startMjpegServer(): Promise<Server> {
  const { createReqHandler } = await import('mjpeg-server');
  const handlers = new Set<{ write(frame: Buffer): boolean }>();
  const server = createHttpServer((req, res) => {
    const handler = createReqHandler(req, res);
    handlers.add(handler);
    res.on('close', () => handlers.delete(handler));
  });
  startPublisher((frame) => {
    for (const handler of handlers) handler.write(frame);
  });
  return server;
}

async function startMjpegProxy(): Promise<Server> {
  if (!options.upstream) throw new Error('mjpeg-proxy needs options.upstream');
  const { MjpegProxy } = await import('mjpeg-proxy');
  const proxy = new MjpegProxy(options.upstream);
  return createHttpServer((req, res) => proxy.proxyRequest(req, res));
}

/** A minimal camera-like upstream for mjpeg-proxy: plain parts, one writer per client. */
function startUpstream(): Server {
  const responses = new Set<ServerResponse>();
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': `multipart/x-mixed-replace;boundary=${BOUNDARY}` });
    responses.add(res);
    res.on('close', () => responses.delete(res));
  });
  startPublisher((frame, timestamp) => {
    for (const res of responses) {
      res.write(`--${BOUNDARY}\r\n${partHead(frame, timestamp)}`);
      res.write(frame);
      res.write('\r\n');
    }
  });
  return server;
}

async function startOurs(): Promise<Server> {
  const { MjpegHub, createMjpegHandler } = await import('../src/index.js');
  const hub = new MjpegHub({ maxViewers: 100_000 });
  const handler = createMjpegHandler(hub, { log: () => {} });
  const server = createHttpServer((req, res) => handler(req, res));
  startPublisher((frame, timestamp, seq) => hub.publish({ type: 'image/jpeg', body: frame, timestamp, seq }));
  return server;
}

/**
 * Ours over HTTP/2 without TLS (h2c, prior knowledge): the same handler and hub, so the row
 * beside `ours` prices h2 framing and per-stream flow control alone, with no encryption on
 * either side.
 */
async function startOursHttp2(): Promise<Server> {
  const { MjpegHub, createMjpegHandler } = await import('../src/index.js');
  const hub = new MjpegHub({ maxViewers: 100_000 });
  const handler = createMjpegHandler(hub, { log: () => {} });
  const server = createHttp2Server(handler);
  startPublisher((frame, timestamp, seq) => hub.publish({ type: 'image/jpeg', body: frame, timestamp, seq }));
  return server as unknown as Server;
}

async function main(): Promise<void> {
  const starters: Record<ContenderKind, () => Server | Promise<Server>> = {
    ours: startOurs,
    'ours-h2': startOursHttp2,
    raw: startRaw,
    'mjpeg-server': startMjpegServer,
    'mjpeg-proxy': startMjpegProxy,
    upstream: startUpstream,
  };
  const server = await starters[options.kind]();
  const connections = new ConnectionLog();
  server.on('connection', (socket: Socket) => {
    connections.opened(nowMs());
    socket.on('close', () => connections.closed(nowMs()));
  });
  process.on('message', (message: Partial<ConnectionsQuery>) => {
    if (message.type !== 'connections') return;
    const { windowStartMs = Number.NaN, windowEndMs = Number.NaN } = message;
    const answer: ConnectionsAnswer = {
      type: 'connections',
      open: connections.openAt(windowEndMs),
      closedInWindow: connections.closedBetween(windowStartMs, windowEndMs),
    };
    process.send?.(answer);
  });
  // --cpu-prof writes its profile only on a normal exit.
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    process.stdout.write(`READY ${address.port}\n`);
  });
}

await main();
