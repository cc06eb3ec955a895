import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MediaPacket, PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  type Camera,
  CameraRegistry,
  createMjpegHandler,
  type HandlerLogEvent,
  type MjpegHandler,
  type MjpegHandlerOptions,
  MjpegHub,
  type MjpegHubOptions,
  shutdownGracefully,
} from '../src/index.js';
import { frame, get, partsOf, RawClient, sleep } from './helpers.js';

const PROTOCOL = 'mjpeg-kit.v1';

interface WsServer {
  hubs: Record<string, MjpegHub>;
  registry: CameraRegistry | undefined;
  handler: MjpegHandler;
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

const servers: WsServer[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A server on 127.0.0.1:0 whose `upgrade` goes to the handler. `cameras` empty: one bare hub. */
async function startWsServer(
  cameras: readonly string[] = [],
  options: MjpegHandlerOptions = {},
  hubOptions: MjpegHubOptions = {},
): Promise<WsServer> {
  const hubs: Record<string, MjpegHub> = {};
  const make = () =>
    new MjpegHub({ boundary: 'testboundary', closeTimeoutMs: 300, repeatStillMs: 0, ...hubOptions });
  let handler: MjpegHandler;
  let registry: CameraRegistry | undefined;
  if (cameras.length === 0) {
    hubs.default = make();
    handler = createMjpegHandler(hubs.default, options);
  } else {
    registry = new CameraRegistry();
    for (const name of cameras) {
      hubs[name] = make();
      const camera: Camera = { name, hub: hubs[name]!, runs: [], audio: name.startsWith('a') };
      registry!.add(camera);
    }
    handler = createMjpegHandler(registry, options);
  }
  const server = createServer(handler);
  server.on('upgrade', (req, socket, head) => {
    if (!handler.upgrade(req, socket, head)) socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const started: WsServer = {
    hubs,
    registry,
    handler,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await Promise.all(Object.values(hubs).map((hub) => hub.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(started);
  return started;
}

/** A binary message as the protocol lays it out. */
interface WsPacket {
  version: number;
  kind: number;
  header: { camera: string; type: string; ts: number; seq: number; rate?: number; channels?: number };
  body: Buffer;
}

function readPacket(data: Buffer): WsPacket {
  const length = data.readUInt16BE(2);
  return {
    version: data[0]!,
    kind: data[1]!,
    header: JSON.parse(data.subarray(4, 4 + length).toString('utf8')),
    body: data.subarray(4 + length),
  };
}

type Received = { text: Record<string, unknown> } | { packet: WsPacket };

/** A `ws` client that keeps every message, with bounded waits. */
class TestClient {
  readonly ws: WebSocket;
  readonly received: Received[] = [];
  closeCode: number | undefined;
  #wake: (() => void)[] = [];

  constructor(url: string, protocols: string[] | undefined = [PROTOCOL], headers?: Record<string, string>) {
    this.ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false });
    this.ws.on('message', (data: Buffer, isBinary) => {
      this.received.push(
        isBinary ? { packet: readPacket(data) } : { text: JSON.parse(data.toString('utf8')) },
      );
      this.#notify();
    });
    this.ws.on('close', (code) => {
      this.closeCode = code;
      this.#notify();
    });
    this.ws.on('error', () => {});
    clients.push(this);
  }

  static async open(url: string): Promise<TestClient> {
    const client = new TestClient(url);
    await client.waitFor((c) => c.texts('hello').length > 0, 'hello');
    return client;
  }

  #notify(): void {
    for (const wake of this.#wake.splice(0)) wake();
  }

  texts(type?: string): Record<string, unknown>[] {
    const texts: Record<string, unknown>[] = [];
    for (const item of this.received) {
      if ('text' in item && (type === undefined || item.text.type === type)) texts.push(item.text);
    }
    return texts;
  }

  packets(kind?: number, camera?: string): WsPacket[] {
    const packets: WsPacket[] = [];
    for (const item of this.received) {
      if (!('packet' in item)) continue;
      if (kind !== undefined && item.packet.kind !== kind) continue;
      if (camera !== undefined && item.packet.header.camera !== camera) continue;
      packets.push(item.packet);
    }
    return packets;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async waitFor(predicate: (client: TestClient) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.texts())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForClose(timeoutMs = 5000): Promise<void> {
    return this.waitFor((c) => c.closeCode !== undefined, 'close', timeoutMs);
  }
}

const wsUrl = (server: WsServer, path = '/ws') => `ws://127.0.0.1:${server.port}${path}`;

/** The status of a refused upgrade, read from the plain HTTP answer (`unexpected-response`). */
async function refusedStatus(
  url: string,
  protocols: string[] = [PROTOCOL],
  headers?: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const ws = new WebSocket(url, protocols, { headers });
  ws.on('error', () => {});
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
  res.resume();
  ws.terminate();
  return { status: res.statusCode ?? 0, headers: res.headers };
}

describe('/ws', () => {
  it('says hello with every camera, its state and audio flag', async () => {
    const server = await startWsServer(['front', 'adesk']);
    server.hubs.front!.setSourceState({ online: true });
    const client = await TestClient.open(wsUrl(server));
    expect(client.ws.protocol).toBe(PROTOCOL);
    expect(client.texts('hello')[0]).toEqual({
      type: 'hello',
      protocol: PROTOCOL,
      cameras: [
        { name: 'front', online: true, audio: false },
        { name: 'adesk', online: false, audio: true },
      ],
    });
  });

  it('serves a bare hub as camera "default", its latest frame at once after subscribe', async () => {
    const server = await startWsServer();
    const published = frame(0x42);
    server.hubs.default!.publish(published);
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'default' });
    await client.waitFor((c) => c.packets().length === 1, 'the first frame');
    expect(client.texts('subscribed')[0]).toEqual({
      type: 'subscribed',
      camera: 'default',
      online: false,
      audio: null,
    });
    // `subscribed` comes before the frame.
    expect('text' in client.received[1]!).toBe(true);
    const packet = client.packets()[0]!;
    expect(packet.version).toBe(1);
    expect(packet.kind).toBe(1);
    expect(packet.header).toEqual({
      camera: 'default',
      type: 'image/jpeg',
      ts: published.timestamp,
      seq: published.seq,
    });
    expect(Buffer.compare(packet.body, Buffer.from(published.body))).toBe(0);
  });

  it('sends the same JPEG bytes as /stream', async () => {
    const server = await startWsServer();
    const stream = await RawClient.request(server.port, get('/stream'));
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'default' });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    const published = frame(0x37, Date.now(), 5000);
    server.hubs.default!.publish(published);
    await client.waitFor((c) => c.packets().length === 1, 'a frame');
    await stream.waitFor(() => partsOf(stream).length === 1, 5000, 'a part');
    const part = partsOf(stream)[0]!;
    expect(Buffer.compare(client.packets()[0]!.body, part.body)).toBe(0);
    expect(part.body.length).toBe(published.body.length);
    stream.close();
  });

  it('with credit 1 and no grant, sends 1 frame while the hub publishes 10; a grant gets the newest', async () => {
    const server = await startWsServer();
    const hub = server.hubs.default!;
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'default', credit: 1 });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    const frames: MediaPacket[] = [];
    for (let i = 0; i < 10; i++) {
      frames.push(frame(i + 1));
      hub.publish(frames[i]!);
      await sleep(10);
    }
    await sleep(200);
    expect(client.packets(1).map((p) => p.header.seq)).toEqual([frames[0]!.seq]);
    expect(hub.stats.framesSkipped).toBe(8);
    client.send({ type: 'credit', camera: 'default', frames: 1 });
    await client.waitFor((c) => c.packets(1).length === 2, 'the granted frame');
    expect(client.packets(1)[1]!.header.seq).toBe(frames[9]!.seq);
    expect(client.packets(1)[1]!.body[60]).toBe(10);
    await sleep(100);
    expect(client.packets(1)).toHaveLength(2);
    expect(hub.stats.framesSent).toBe(2);
  });

  it('keeps at most `credit` frames unanswered, and re-subscribing sets the credit', async () => {
    const server = await startWsServer();
    const hub = server.hubs.default!;
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'default', credit: 3 });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    for (let i = 0; i < 10; i++) {
      hub.publish(frame(i));
      await sleep(10);
    }
    await client.waitFor((c) => c.packets(1).length === 3, '3 frames');
    await sleep(100);
    expect(client.packets(1)).toHaveLength(3);
    client.send({ type: 'subscribe', camera: 'default', credit: 2 });
    await client.waitFor((c) => c.texts('subscribed').length === 2, 'subscribed again');
    for (let i = 0; i < 5; i++) {
      hub.publish(frame(i));
      await sleep(10);
    }
    await client.waitFor((c) => c.packets(1).length === 5, '2 more frames');
    await sleep(100);
    expect(client.packets(1)).toHaveLength(5);
  });

  it('caps the frame rate at `fps`', async () => {
    const server = await startWsServer();
    const hub = server.hubs.default!;
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'default', credit: 16, fps: 4 });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    const started = Date.now();
    while (Date.now() - started < 600) {
      hub.publish(frame(1));
      await sleep(10);
    }
    // 600 ms at 4 fps: a frame at once, then one each 250 ms (at 250, 500); one more may be on its way.
    expect(client.packets(1).length).toBeGreaterThanOrEqual(2);
    expect(client.packets(1).length).toBeLessThanOrEqual(4);
  });

  it('answers an unknown camera with an error naming the known ones, and stays open', async () => {
    const server = await startWsServer(['front', 'desk']);
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'yard' });
    await client.waitFor((c) => c.texts('error').length === 1, 'an error');
    expect(client.texts('error')[0]).toMatchObject({
      code: 'UNKNOWN_CAMERA',
      camera: 'yard',
      known: ['front', 'desk'],
    });
    server.hubs.desk!.publish(frame(9));
    client.send({ type: 'subscribe', camera: 'desk' });
    await client.waitFor((c) => c.packets(1).length === 1, 'a frame of desk');
    expect(client.closeCode).toBeUndefined();
  });

  it('carries many cameras over one connection, each frame named by its camera', async () => {
    const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
    const server = await startWsServer(names);
    const client = await TestClient.open(wsUrl(server));
    for (const name of names) client.send({ type: 'subscribe', camera: name, credit: 4 });
    await client.waitFor((c) => c.texts('subscribed').length === names.length, 'every subscribed');
    for (const [i, name] of names.entries()) server.hubs[name]!.publish(frame(0x50 + i));
    await client.waitFor((c) => c.packets(1).length === names.length, 'a frame of each');
    for (const [i, name] of names.entries()) {
      const packets = client.packets(1, name);
      expect(packets).toHaveLength(1);
      expect(packets[0]!.body[60]).toBe(0x50 + i);
    }
    client.send({ type: 'unsubscribe', camera: 'c1' });
    await sleep(50);
    server.hubs.c1!.publish(frame(1));
    server.hubs.c2!.publish(frame(2));
    await client.waitFor((c) => c.packets(1, 'c2').length === 2, 'c2 again');
    expect(client.packets(1, 'c1')).toHaveLength(1);
  });

  it('sends a frame published in pieces as one message with the pieces joined', async () => {
    const server = await startWsServer();
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'default' });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    const whole = frame(0x21, Date.now(), 3000).body;
    const pieces = [whole.subarray(0, 100), whole.subarray(100, 2000), whole.subarray(2000)];
    const packet: PiecesMediaPacket = {
      type: 'image/jpeg',
      pieces,
      bodyLength: whole.length,
      timestamp: Date.now(),
    } as PiecesMediaPacket;
    server.hubs.default!.publish(packet);
    await client.waitFor((c) => c.packets(1).length === 1, 'the frame');
    expect(Buffer.compare(client.packets(1)[0]!.body, Buffer.from(whole))).toBe(0);
  });

  it('serves a camera added to the registry after the connection opened, with its status', async () => {
    const server = await startWsServer(['front']);
    const client = await TestClient.open(wsUrl(server));
    const hub = new MjpegHub({ repeatStillMs: 0 });
    server.hubs.late = hub;
    server.registry!.add({ name: 'late', hub, runs: [], audio: false });
    client.send({ type: 'subscribe', camera: 'late' });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    hub.setSourceState({ online: true });
    hub.publish(frame(7));
    await client.waitFor(
      (c) => c.packets(1, 'late').length === 1 && c.texts('status').length === 1,
      'frame and status',
    );
    expect(client.texts('status')[0]).toEqual({ type: 'status', camera: 'late', online: true });
  });

  it('reports a subscribed camera going online and offline', async () => {
    const server = await startWsServer(['front']);
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'front' });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    server.hubs.front!.setSourceState({ online: true });
    server.hubs.front!.setSourceState({ online: false, error: 'gone' });
    await client.waitFor((c) => c.texts('status').length === 2, 'two status messages');
    expect(client.texts('status')).toEqual([
      { type: 'status', camera: 'front', online: true },
      { type: 'status', camera: 'front', online: false },
    ]);
  });
});

describe('/ws access and refusals, before the upgrade', () => {
  it('refuses with 401 over plain HTTP without ?key=, and opens with it', async () => {
    const server = await startWsServer([], { key: 'sesame' });
    const refused = await refusedStatus(wsUrl(server));
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Key /);
    expect((await refusedStatus(wsUrl(server, '/ws?key=wrong'))).status).toBe(401);
    const client = await TestClient.open(wsUrl(server, '/ws?key=sesame'));
    expect(client.texts('hello')).toHaveLength(1);
  });

  it('refuses with 401 and a Basic challenge without credentials, and opens with them', async () => {
    const server = await startWsServer([], { auth: 'admin:secret' });
    const refused = await refusedStatus(wsUrl(server));
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const wrong = `Basic ${Buffer.from('admin:nope').toString('base64')}`;
    expect((await refusedStatus(wsUrl(server), [PROTOCOL], { Authorization: wrong })).status).toBe(401);
    const client = new TestClient(wsUrl(server), [PROTOCOL], {
      Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}`,
    });
    await client.waitFor((c) => c.texts('hello').length === 1, 'hello');
  });

  it('refuses with 400 when the client does not offer mjpeg-kit.v1', async () => {
    const server = await startWsServer();
    expect((await refusedStatus(wsUrl(server), [])).status).toBe(400);
    expect((await refusedStatus(wsUrl(server), ['other.v1'])).status).toBe(400);
  });

  it('refuses with 503 when the hub takes no more viewers', async () => {
    const server = await startWsServer([], {}, { maxViewers: 0 });
    expect((await refusedStatus(wsUrl(server))).status).toBe(503);
  });

  it('answers a plain GET /ws with 426, and leaves other upgrades to the caller', async () => {
    const server = await startWsServer();
    const plain = await RawClient.request(server.port, get('/ws'));
    const bytes = await plain.waitForEnd();
    expect(bytes.toString('latin1')).toMatch(/^HTTP\/1\.1 426 /);
    const other = new WebSocket(wsUrl(server, '/stream'), [PROTOCOL]);
    const errors: Error[] = [];
    other.on('error', (error) => errors.push(error));
    await new Promise((resolve) => other.once('close', resolve));
    // The caller destroyed the socket: no handshake, no HTTP answer.
    expect(errors.map((error) => error.message)).toEqual(['socket hang up']);
    expect(other.readyState).toBe(WebSocket.CLOSED);
  });
});

describe('/ws messages from the client', () => {
  it.each([
    ['an oversized text', JSON.stringify({ type: 'subscribe', camera: 'default', pad: 'x'.repeat(5000) })],
    ['bad JSON', '{"type":"subscribe",'],
    ['an unknown type', '{"type":"play"}'],
    ['a wrongly typed field', '{"type":"subscribe","camera":"default","audio":"yes"}'],
    ['no object', '[1,2]'],
  ])('closes 1008 after an error on %s', async (_what, text) => {
    const server = await startWsServer();
    const client = await TestClient.open(wsUrl(server));
    client.send(text);
    await client.waitForClose();
    expect(client.closeCode).toBe(1008);
    expect(client.texts('error')[0]).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });
  });

  it('closes 1008 with BAD_CREDIT on a grant outside 1..16', async () => {
    const server = await startWsServer();
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'default' });
    client.send({ type: 'credit', camera: 'default', frames: 17 });
    await client.waitForClose();
    expect(client.closeCode).toBe(1008);
    expect(client.texts('error')[0]).toMatchObject({ code: 'BAD_CREDIT' });
  });

  it('closes 1003 on a binary message', async () => {
    const server = await startWsServer();
    const client = await TestClient.open(wsUrl(server));
    client.ws.send(Buffer.from([1, 2, 3]));
    await client.waitForClose();
    expect(client.closeCode).toBe(1003);
  });

  it('refuses a 65th subscription with TOO_MANY_SUBSCRIPTIONS', async () => {
    const names = Array.from({ length: 65 }, (_, i) => `cam${i}`);
    const server = await startWsServer(names);
    const client = await TestClient.open(wsUrl(server));
    for (const name of names) client.send({ type: 'subscribe', camera: name });
    await client.waitFor((c) => c.texts('error').length === 1, 'an error');
    expect(client.texts('subscribed')).toHaveLength(64);
    expect(client.texts('error')[0]).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', camera: 'cam64' });
    expect(client.closeCode).toBeUndefined();
  });
});

describe('/ws audio', () => {
  it('sends audio with its rate and channels, and the format in `subscribed`', async () => {
    const server = await startWsServer(['amic']);
    const hub = server.hubs.amic!;
    hub.publish(audioPacket(Date.now(), 100));
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'amic', audio: true });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    expect(client.texts('subscribed')[0]!.audio).toEqual({ type: 'audio/L16', rate: 48000, channels: 2 });
    const sent = audioPacket(Date.now(), 100);
    hub.publish(sent);
    await client.waitFor((c) => c.packets(2).length === 1, 'an audio packet');
    const packet = client.packets(2)[0]!;
    expect(packet.header).toMatchObject({ camera: 'amic', type: 'audio/L16', rate: 48000, channels: 2 });
    expect(packet.body.length).toBe(sent.body.length);
  });

  it('keeps at most 500 ms queued for a client that stopped reading, oldest dropped', async () => {
    const server = await startWsServer(['amic']);
    const hub = server.hubs.amic!;
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'amic', audio: true });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    client.ws.pause();
    // 100 ms packets sharing one body: 19.2 MB of audio fills the socket buffers many times.
    const body = new Uint8Array(19_200);
    let maxQueued = 0;
    const start = Date.now();
    for (let i = 0; i < 1000; i++) {
      hub.publish({ type: 'audio/L16', body, timestamp: start + i * 100, sampleRate: 48000, channels: 2 });
      const { audioPacketsPublished, audioPacketsSent, audioPacketsDropped } = hub.stats;
      maxQueued = Math.max(maxQueued, audioPacketsPublished - audioPacketsSent - audioPacketsDropped);
      if (i % 100 === 99) await sleep(5);
    }
    expect(hub.stats.audioPacketsDropped).toBeGreaterThan(0);
    // The only subscriber: what is neither sent nor dropped is its queue, 100 ms a packet.
    expect(maxQueued).toBeLessThanOrEqual(5);
    client.ws.resume();
    const sent = hub.stats.audioPacketsSent;
    const queued = hub.stats.audioPacketsPublished - sent - hub.stats.audioPacketsDropped;
    await client.waitFor((c) => c.packets(2).length === sent + queued, 'every packet sent', 20_000);
    // The newest packet made it: the oldest were dropped, not the newest.
    expect(client.packets(2).at(-1)!.header.ts).toBe(start + 999 * 100);
  }, 30_000);
});

describe('/ws log lines', () => {
  function logged(): { lines: string[]; events: HandlerLogEvent[]; options: MjpegHandlerOptions } {
    const lines: string[] = [];
    const events: HandlerLogEvent[] = [];
    return {
      lines,
      events,
      options: {
        log: (line, event) => {
          lines.push(line);
          events.push(event);
        },
      },
    };
  }

  it("logs a connection opening and, on the client's close, what it sent to which cameras", async () => {
    const log = logged();
    const server = await startWsServer(['front', 'desk'], log.options);
    const client = await TestClient.open(wsUrl(server, '/ws?key=hidden'));
    expect(log.lines).toEqual([
      expect.stringMatching(/^ws 127\.0\.0\.1:\d+ connected to \/ws\?key=… \(1 connection\)$/),
    ]);
    client.send({ type: 'subscribe', camera: 'front', credit: 1 });
    client.send({ type: 'subscribe', camera: 'desk' });
    await client.waitFor((c) => c.texts('subscribed').length === 2, 'subscribed');
    // Credit 1: the first is sent, the third replaces the unsent second.
    for (const seq of [1, 2, 3]) server.hubs.front!.publish(frame(seq));
    await client.waitFor((c) => c.packets(1).length === 1, 'a frame');
    client.ws.close(1000);
    await client.waitForClose();
    await expect.poll(() => log.events.length, { timeout: 2000 }).toBe(2);
    expect(log.events[1]).toMatchObject({
      event: 'ws-close',
      path: '/ws?key=…',
      reason: 'closed 1000 by the client',
      cameras: ['front', 'desk'],
      framesSent: 1,
      framesSkipped: 1,
      audioSent: 0,
      connections: 0,
    });
    expect(log.lines[1]).toMatch(
      /^ws 127\.0\.0\.1:\d+ left \/ws\?key=…: closed 1000 by the client after \d+\.\d s, cameras front, desk, 1 frames \(1 skipped\), 0 audio packets, 0\.0 MiB \(0 connections\)$/,
    );
    expect(log.lines.join('\n')).not.toContain('hidden');
  });

  it("logs the server's close at shutdown, and a refusal at the viewer limit", async () => {
    const log = logged();
    const server = await startWsServer([], log.options);
    const client = await TestClient.open(wsUrl(server));
    await shutdownGracefully(server.server, server.hubs.default!, { timeoutMs: 4000 });
    await client.waitForClose();
    expect(log.events.at(-1)).toMatchObject({
      event: 'ws-close',
      reason: 'closed 1001 by the server: server shutting down',
      cameras: [],
    });
    expect(log.lines.at(-1)).toContain(': closed 1001 by the server: server shutting down after ');

    const full = logged();
    const limited = await startWsServer([], full.options, { maxViewers: 0 });
    expect((await refusedStatus(wsUrl(limited))).status).toBe(503);
    expect(full.events).toEqual([expect.objectContaining({ event: 'refuse', reason: 'limit', path: '/ws' })]);
  });
});

describe('/ws counters and shutdown', () => {
  it('counts ws viewers in /state and /metrics (transport "ws"), and frames sent and skipped', async () => {
    const server = await startWsServer(['front']);
    const hub = server.hubs.front!;
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'front' });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    hub.publish(frame(1));
    hub.publish(frame(2));
    hub.publish(frame(3));
    await client.waitFor((c) => c.packets(1).length === 1, 'a frame');
    const state = await fetch(`${server.url}/state`).then((res) => res.json());
    expect(state.viewers).toBe(1);
    expect(state.cameras.front.viewers).toBe(1);
    const metrics = await fetch(`${server.url}/metrics`).then((res) => res.text());
    expect(metrics).toContain('mjpeg_kit_viewers{camera="front",transport="ws"} 1');
    expect(metrics).toContain('mjpeg_kit_frames_sent_total{camera="front"} 1');
    expect(metrics).toContain('mjpeg_kit_frames_skipped_total{camera="front"} 1');
    client.send({ type: 'unsubscribe', camera: 'front' });
    await sleep(50);
    expect(hub.viewerCountsByKind().ws).toBe(0);
    expect(hub.getState().viewers).toBe(0);
  });

  it('shutdownGracefully closes /ws connections with 1001 and the server closes', async () => {
    const server = await startWsServer();
    const clientA = await TestClient.open(wsUrl(server));
    const clientB = await TestClient.open(wsUrl(server));
    clientA.send({ type: 'subscribe', camera: 'default' });
    await clientA.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    const started = Date.now();
    await shutdownGracefully(server.server, server.hubs.default!, { timeoutMs: 4000 });
    await clientA.waitForClose();
    await clientB.waitForClose();
    expect(clientA.closeCode).toBe(1001);
    expect(clientB.closeCode).toBe(1001);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(server.handler.wsConnections).toBe(0);
  });

  it('closes with 1001 once every camera of a registry closed; one closed camera is status offline', async () => {
    const server = await startWsServer(['front', 'desk']);
    const client = await TestClient.open(wsUrl(server));
    client.send({ type: 'subscribe', camera: 'front' });
    await client.waitFor((c) => c.texts('subscribed').length === 1, 'subscribed');
    await server.hubs.front!.close();
    await client.waitFor((c) => c.texts('status').length === 1, 'status');
    expect(client.texts('status')[0]).toEqual({ type: 'status', camera: 'front', online: false });
    expect(client.closeCode).toBeUndefined();
    await server.hubs.desk!.close();
    await client.waitForClose();
    expect(client.closeCode).toBe(1001);
  });
});

function audioPacket(timestamp: number, ms: number): MediaPacket {
  return {
    type: 'audio/L16',
    body: new Uint8Array((48_000 * 2 * 2 * ms) / 1000),
    timestamp,
    sampleRate: 48000,
    channels: 2,
  };
}
