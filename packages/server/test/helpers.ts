import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { ChunkedReader } from '@mjpeg-kit/chunked';
import { afterEach } from 'vitest';
import {
  createMjpegHandler,
  type HandlerLogEvent,
  type MjpegHandlerOptions,
  MjpegHub,
  type MjpegHubOptions,
} from '../src/index.js';

/** A hub, its handler on a real server at 127.0.0.1:port, and a teardown. */
export interface TestServer {
  hub: MjpegHub;
  server: Server;
  port: number;
  url: string;
  logs: string[];
  events: HandlerLogEvent[];
  close(): Promise<void>;
}

export async function startServer(
  hubOptions: MjpegHubOptions = {},
  handlerOptions: MjpegHandlerOptions = {},
): Promise<TestServer> {
  const hub = new MjpegHub({ boundary: 'testboundary', closeTimeoutMs: 500, ...hubOptions });
  const logs: string[] = [];
  const events: HandlerLogEvent[] = [];
  const handler = createMjpegHandler(hub, {
    log: (line, event) => {
      logs.push(line);
      events.push(event);
    },
    ...handlerOptions,
  });
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    hub,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    events,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A JPEG-shaped frame: SOI, APP0, SOF0 with the given size, a fill payload after SOS, EOI. */
export function makeJpeg(width: number, height: number, fill = 0x11, payloadBytes = 64): Uint8Array {
  const head = [
    0xff,
    0xd8,
    0xff,
    0xe0,
    0x00,
    0x10,
    0x4a,
    0x46,
    0x49,
    0x46,
    0x00,
    0x01,
    0x01,
    0x00,
    0x00,
    0x01,
    0x00,
    0x01,
    0x00,
    0x00,
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01,
    0xff,
    0xda,
    0x00,
    0x0c,
    0x03,
    0x01,
    0x00,
    0x02,
    0x11,
    0x03,
    0x11,
    0x00,
    0x3f,
    0x00,
  ];
  const out = new Uint8Array(head.length + payloadBytes + 2);
  out.set(head);
  out.fill(fill, head.length, head.length + payloadBytes);
  out[out.length - 2] = 0xff;
  out[out.length - 1] = 0xd9;
  return out;
}

let frameSeq = 0;
export function frame(fill: number, timestamp = Date.now(), payloadBytes = 64): MediaPacket {
  return { type: 'image/jpeg', body: makeJpeg(320, 240, fill, payloadBytes), timestamp, seq: ++frameSeq };
}

/** 20 ms of big-endian L16 mono at `rate`, every sample `value`. */
export function audio(timestamp: number, rate = 8000, value = 1000, ms = 20): MediaPacket {
  const samples = Math.round((rate * ms) / 1000);
  const body = new Uint8Array(samples * 2);
  for (let i = 0; i < samples; i++) {
    body[i * 2] = (value >> 8) & 0xff;
    body[i * 2 + 1] = value & 0xff;
  }
  return { type: 'audio/L16', body, timestamp, sampleRate: rate, channels: 1 };
}

/** A raw TCP client that collects every byte it receives. */
/** Frames big enough to fill a paused viewer's socket within a few writes. */
export const BIG_FRAME_BYTES = 256 * 1024;

/** Server-side sockets by the client's local port, from now on. */
export function trackSockets(test: TestServer): Map<number, Socket> {
  const sockets = new Map<number, Socket>();
  test.server.on('connection', (socket: Socket) => sockets.set(socket.remotePort!, socket));
  return sockets;
}

/**
 * Publishes big frames, `stepMs` apart from `timestamp` on, until the server-side `socket` of a
 * viewer that stopped reading holds bytes it could not hand to the kernel. Returns the last
 * timestamp published.
 */
export async function publishUntilBusy(
  test: TestServer,
  socket: Socket,
  timestamp = Date.now(),
  stepMs = 10,
): Promise<number> {
  let t = timestamp;
  for (let i = 0; i < 200 && socket.writableLength === 0; i++) {
    test.hub.publish(frame(i & 0xff, (t += stepMs), BIG_FRAME_BYTES));
    await sleep(1);
  }
  return t;
}

export class RawClient {
  readonly socket: Socket;
  readonly chunks: Buffer[] = [];
  ended = false;
  #waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.#wake();
    });
    this.socket.on('close', () => {
      this.ended = true;
      this.#wake();
    });
    this.socket.on('error', () => {});
  }

  static async request(port: number, text: string): Promise<RawClient> {
    const client = new RawClient(port);
    await once(client.socket, 'connect');
    client.socket.write(text);
    return client;
  }

  #joined: Buffer | undefined;
  #joinedCount = 0;

  get bytes(): Buffer {
    if (this.#joined === undefined || this.#joinedCount !== this.chunks.length) {
      this.#joined = Buffer.concat(this.chunks);
      this.#joinedCount = this.chunks.length;
    }
    return this.#joined;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits until `predicate(bytes)` holds (or the socket closed), at most `timeoutMs`. */
  async waitFor(
    predicate: (bytes: Buffer) => boolean,
    timeoutMs = 5000,
    what = 'condition',
  ): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const bytes = this.bytes;
      if (predicate(bytes)) return bytes;
      if (this.ended) throw new Error(`connection closed before ${what}; got ${bytes.length} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${bytes.length} bytes`);
      // Large streams: look again at most every 20 ms, not at every 64 KiB read.
      if (bytes.length > 1 << 20) await new Promise((resolve) => setTimeout(resolve, Math.min(20, left)));
      await new Promise<void>((resolve) => {
        if (this.bytes.length !== bytes.length || this.ended) {
          resolve();
          return;
        }
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForEnd(timeoutMs = 5000): Promise<Buffer> {
    if (!this.ended) {
      await this.waitFor(() => this.ended, timeoutMs, 'the connection to close').catch((error: Error) => {
        if (!this.ended) throw error;
      });
    }
    return this.bytes;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Splits an HTTP response into its status code, lowercased headers and raw body bytes. */
export function splitResponse(bytes: Buffer): {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
} {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('no complete response head');
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: bytes.subarray(end + 4) };
}

export function hasHead(bytes: Buffer): boolean {
  return bytes.includes('\r\n\r\n');
}

/** Decodes a chunked body with the strict reader: the data so far and whether the last chunk came. */
export function decodeChunked(body: Buffer): { data: Buffer; done: boolean } {
  const reader = new ChunkedReader();
  const data = Buffer.concat(reader.push(body));
  return { data, done: reader.done };
}

/** One multipart part as the test reads it, strictly by the layout docs/architecture.md pins. */
export interface TestPart {
  headers: Record<string, string>;
  headerNames: string[];
  body: Buffer;
}

/**
 * Reads `--B\r\n` once, then parts of `<headers>\r\n\r\n<Content-Length bytes>\r\n--B\r\n`.
 * Throws when a byte is out of place; returns the complete parts and the unread rest.
 */
export function readParts(data: Buffer, boundary: string): { parts: TestPart[]; rest: Buffer } {
  const opening = `--${boundary}\r\n`;
  if (data.length < opening.length) return { parts: [], rest: data };
  if (data.subarray(0, opening.length).toString('latin1') !== opening) {
    throw new Error(
      `stream does not open with ${JSON.stringify(opening)}: ${JSON.stringify(data.subarray(0, 40).toString('latin1'))}`,
    );
  }
  const tail = Buffer.from(`\r\n--${boundary}\r\n`, 'latin1');
  const parts: TestPart[] = [];
  let at = opening.length;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const lines = data.subarray(at, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    const headerNames: string[] = [];
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`bad part header line ${JSON.stringify(line)}`);
      headerNames.push(line.slice(0, colon));
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length']);
    if (!Number.isInteger(length)) throw new Error(`part without Content-Length: ${lines.join(' | ')}`);
    const bodyStart = headEnd + 4;
    if (data.length < bodyStart + length + tail.length) break;
    const after = data.subarray(bodyStart + length, bodyStart + length + tail.length);
    if (!after.equals(tail))
      throw new Error(`no delimiter right after the body: ${JSON.stringify(after.toString('latin1'))}`);
    parts.push({ headers, headerNames, body: data.subarray(bodyStart, bodyStart + length) });
    at = bodyStart + length + tail.length;
  }
  return { parts, rest: data.subarray(at) };
}

/** A GET over HTTP/1.1 with `Connection: close`. */
export function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
}

/** Stream parts received so far by a raw HTTP/1.1 client. */
export function partsOf(client: RawClient, boundary = 'testboundary'): TestPart[] {
  const { body } = splitResponse(client.bytes);
  return readParts(decodeChunked(body).data, boundary).parts;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The server and raw clients of one test file, closed after every test: `start()` a server,
 * `open()` a stream on it. Call once at the top of a file.
 */
export function useTestServer(): {
  start: typeof startServer;
  /** A raw client that sent `request`, closed after the test. */
  connect(request: string): Promise<RawClient>;
  /** `connect()`, then wait for the response head. */
  open(path: string, request?: string): Promise<RawClient>;
} {
  let current: TestServer | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await current?.close();
    current = undefined;
  });
  const connect = async (request: string) => {
    const client = await RawClient.request(current!.port, request);
    clients.push(client);
    return client;
  };
  return {
    async start(hubOptions, handlerOptions) {
      current = await startServer(hubOptions, handlerOptions);
      return current;
    },
    connect,
    async open(path, request = get(path)) {
      const client = await connect(request);
      await client.waitFor(hasHead, 5000, 'the response head');
      return client;
    },
  };
}
