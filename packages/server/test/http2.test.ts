import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  createServer as createHttp2Server,
  type Http2Server,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMjpegHandler,
  type MjpegHandlerOptions,
  MjpegHub,
  type MjpegHubOptions,
} from '../src/index.js';
import {
  BIG_FRAME_BYTES,
  decodeChunked,
  frame,
  get,
  RawClient,
  readParts,
  sleep,
  splitResponse,
} from './helpers.js';

/** One hub and handler behind two servers: node:http (HTTP/1.1) and node:http2 (h2c). */
interface DualServer {
  hub: MjpegHub;
  logs: string[];
  http1Port: number;
  h2Url: string;
  session(settings?: { initialWindowSize?: number }): ClientHttp2Session;
  close(): Promise<void>;
}

let current: DualServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function startDual(hubOptions: MjpegHubOptions = {}, handlerOptions: MjpegHandlerOptions = {}) {
  const hub = new MjpegHub({
    boundary: 'testboundary',
    closeTimeoutMs: 300,
    repeatStillMs: 0,
    ...hubOptions,
  });
  const logs: string[] = [];
  const handler = createMjpegHandler(hub, { log: (line) => logs.push(line), ...handlerOptions });
  const http1: Server = createHttpServer(handler);
  // No cast: the handler's type is also a node:http2 compatibility listener.
  const h2: Http2Server = createHttp2Server(handler);
  http1.listen(0, '127.0.0.1');
  h2.listen(0, '127.0.0.1');
  await Promise.all([once(http1, 'listening'), once(h2, 'listening')]);
  const h2Url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
  const sessions: ClientHttp2Session[] = [];
  const dual: DualServer = {
    hub,
    logs,
    http1Port: (http1.address() as AddressInfo).port,
    h2Url,
    session(settings) {
      const session = connect(h2Url, { settings });
      session.on('error', () => {});
      sessions.push(session);
      return session;
    },
    async close() {
      for (const session of sessions) session.destroy();
      await hub.close();
      http1.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => http1.close(resolve)),
        new Promise((resolve) => h2.close(resolve)),
      ]);
    },
  };
  current = dual;
  return dual;
}

/** An h2 request whose response headers and body bytes are collected as they come. */
class H2Request {
  readonly stream: ClientHttp2Stream;
  headers: IncomingHttpHeaders | undefined;
  chunks: Buffer[] = [];
  ended = false;
  closed = false;

  constructor(session: ClientHttp2Session, path: string, headers: Record<string, string> = {}) {
    this.stream = session.request({ ':path': path, ...headers });
    this.stream.on('response', (h) => {
      this.headers = h;
    });
    this.stream.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.stream.on('end', () => {
      this.ended = true;
    });
    this.stream.on('close', () => {
      this.closed = true;
    });
    this.stream.on('error', () => {});
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async until(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(10);
    }
  }
}

const CONNECTION_HEADERS = ['connection', 'transfer-encoding', 'keep-alive', 'proxy-connection', 'upgrade'];

describe('HTTP/2 (node:http2 compatibility objects)', () => {
  it('writes exactly the part bytes an HTTP/1.1 viewer gets inside its chunks, with no chunked coding or connection headers', async () => {
    const server = await startDual();
    const http1 = await RawClient.request(server.http1Port, get('/stream'));
    const h2 = new H2Request(server.session(), '/stream');
    await h2.until(() => h2.headers !== undefined, 'the h2 response head');
    await http1.waitFor((bytes) => bytes.includes('\r\n\r\n'), 5000, 'the HTTP/1.1 head');
    while (server.hub.viewerCount < 2) await sleep(5);
    for (let i = 0; i < 5; i++) {
      server.hub.publish(frame(0x40 + i));
      await sleep(30);
    }
    const expectedParts = (data: Buffer) => readParts(data, 'testboundary').parts.length >= 5;
    await h2.until(() => expectedParts(h2.body), 'five parts over h2');
    await http1.waitFor(
      (bytes) => expectedParts(decodeChunked(splitResponse(bytes).body).data),
      5000,
      'five parts over HTTP/1.1',
    );
    const http1Body = decodeChunked(splitResponse(http1.bytes).body).data;
    expect(h2.body.equals(http1Body)).toBe(true);
    expect(readParts(h2.body, 'testboundary').parts.map((part) => part.body[60])).toEqual([
      0x40, 0x41, 0x42, 0x43, 0x44,
    ]);
    expect(h2.headers![':status']).toBe(200);
    expect(h2.headers!['content-type']).toBe('multipart/x-mixed-replace;boundary=testboundary');
    for (const name of CONNECTION_HEADERS) expect(h2.headers![name]).toBeUndefined();
    http1.close();
  });

  it('ends each h2 stream with END_STREAM on close() and leaves the connection usable', async () => {
    const server = await startDual();
    const session = server.session();
    const streams = [new H2Request(session, '/stream'), new H2Request(session, '/av')];
    server.hub.publish(frame(1));
    for (const stream of streams) await stream.until(() => stream.chunks.length > 0, 'the first bytes');
    const connectionClosed = once(session, 'close').then(() => true);
    await server.hub.close();
    for (const stream of streams) {
      await stream.until(() => stream.ended, 'END_STREAM');
      expect(stream.stream.rstCode).toBe(0); // NGHTTP2_NO_ERROR: ended, not reset
    }
    expect(await Promise.race([connectionClosed, sleep(100).then(() => false)])).toBe(false);
    const state = new H2Request(session, '/state');
    await state.until(() => state.ended, 'the /state answer');
    expect(state.headers![':status']).toBe(200);
  });

  it('answers HEAD, auth, CORS, snapshots, /state and the page with the same status and headers as HTTP/1.1', async () => {
    const server = await startDual(
      {},
      { allowOrigin: 'https://app.example', auth: { username: 'u', password: 'p' } },
    );
    server.hub.publish(frame(7));
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    const cases: { method: string; path: string; auth: boolean }[] = [
      { method: 'GET', path: '/stream', auth: false },
      { method: 'HEAD', path: '/stream', auth: true },
      { method: 'GET', path: '/snapshot.jpg', auth: true },
      { method: 'HEAD', path: '/snapshot.jpg', auth: true },
      { method: 'GET', path: '/state', auth: true },
      { method: 'GET', path: '/', auth: true },
      { method: 'OPTIONS', path: '/stream', auth: false },
      { method: 'DELETE', path: '/stream', auth: true },
    ];
    const compared = [
      'content-type',
      'content-length',
      'www-authenticate',
      'access-control-allow-origin',
      'access-control-allow-methods',
      'allow',
      'cache-control',
    ];
    const session = server.session();
    for (const { method, path, auth } of cases) {
      const extra = `${auth ? `Authorization: ${basic}\r\n` : ''}Origin: https://app.example\r\n${
        method === 'OPTIONS' ? 'Access-Control-Request-Method: GET\r\n' : ''
      }`;
      const request = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
      const client = await RawClient.request(server.http1Port, request);
      const http1 = splitResponse(await client.waitForEnd(5000));
      const h2 = new H2Request(session, path, {
        ':method': method,
        origin: 'https://app.example',
        ...(auth ? { authorization: basic } : {}),
        ...(method === 'OPTIONS' ? { 'access-control-request-method': 'GET' } : {}),
      });
      if (method === 'HEAD' || http1.status !== 200 || path !== '/stream') {
        await h2.until(() => h2.ended, `${method} ${path} to end`);
      }
      const where = `${method} ${path}`;
      expect(h2.headers![':status'], where).toBe(http1.status);
      for (const name of compared) expect(h2.headers![name], `${where}: ${name}`).toBe(http1.headers[name]);
      for (const name of CONNECTION_HEADERS) expect(h2.headers![name], `${where}: ${name}`).toBeUndefined();
      if (method !== 'HEAD') expect(h2.body.equals(http1.body), `${where}: body`).toBe(true);
      else expect(h2.body.length, `${where}: no body`).toBe(0);
    }
  });

  it('drops a stalled h2 stream after stallTimeoutMs while another stream on the same connection keeps its rate (#11)', async () => {
    const server = await startDual({ stallTimeoutMs: 400 });
    // A small per-stream window: the stalled stream's window fills within one frame.
    const session = server.session({ initialWindowSize: 16 * 1024 });
    const stalled = new H2Request(session, '/stream');
    const healthy = new H2Request(session, '/stream');
    await stalled.until(() => stalled.headers !== undefined, 'the stalled stream head');
    await healthy.until(() => healthy.headers !== undefined, 'the healthy stream head');
    stalled.stream.pause();
    const fps = 25;
    const published = 40;
    for (let i = 0; i < published; i++) {
      server.hub.publish(frame(i, Date.now(), BIG_FRAME_BYTES));
      await sleep(1000 / fps);
    }
    await healthy.until(
      () => readParts(healthy.body, 'testboundary').parts.some((part) => part.body[60] === published - 1),
      'the last frame on the healthy stream',
    );
    const healthyParts = readParts(healthy.body, 'testboundary').parts.length;
    // Not held back by its neighbour: (nearly) every frame, at the publish rate.
    expect(healthyParts).toBeGreaterThanOrEqual(published * 0.9);
    expect(server.hub.stats.viewersStalled).toBe(1);
    // Until the drop it skipped frames (newest wins), it never queued them.
    expect(server.hub.stats.framesSkipped).toBeGreaterThan(0);
    expect(server.logs.some((line) => /left \/stream: stalled after/.test(line))).toBe(true);
    // What it had in its window is read, then the stream is closed: RST_STREAM, this stream alone.
    stalled.stream.resume();
    await stalled.until(() => stalled.closed, 'the stalled stream to be reset');
    expect(stalled.stream.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
    // Held to its window (and the client's read buffer): not even one whole frame went out.
    expect(stalled.body.length).toBeLessThan(BIG_FRAME_BYTES);
    // The connection itself is fine: the healthy stream goes on.
    expect(session.destroyed).toBe(false);
    server.hub.publish(frame(0xee));
    await healthy.until(
      () => readParts(healthy.body, 'testboundary').parts.some((part) => part.body[60] === 0xee),
      'a frame after the drop',
    );
  });
});
