import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import {
  encodeWsPacket,
  encodeWsPacketPrefix,
  openWsConnection,
  openWsStream,
  StreamError,
  type WsPacketHeader,
} from '../src/index.js';
import { connectionsPerTest, until, WS } from './helpers/ws.js';

interface Subscription {
  camera: string;
  audio: boolean;
  credit: number;
  sent: number;
  pending: { header: WsPacketHeader; body: Uint8Array } | undefined;
}

interface Peer {
  socket: WebSocket;
  subscriptions: Map<string, Subscription>;
  received: Record<string, unknown>[];
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A small mjpeg-kit.v1 server: hello, subscribe/credit/unsubscribe, one pending frame per subscription. */
class FakeWsServer {
  readonly cameras: string[];
  readonly peers: Peer[] = [];
  port = 0;
  refuse: number | undefined;
  /** Fragments per binary message (1: the whole message at once). */
  fragments = 2;
  #server: WebSocketServer | undefined;

  constructor(cameras: string[]) {
    this.cameras = cameras;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  async start(port = 0): Promise<void> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port,
      handleProtocols: (protocols) => (protocols.has('mjpeg-kit.v1') ? 'mjpeg-kit.v1' : false),
      verifyClient: (_info, done) => (this.refuse === undefined ? done(true) : done(false, this.refuse)),
    });
    await once(server, 'listening');
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
    server.on('connection', (socket, request) => {
      const peer: Peer = {
        socket,
        subscriptions: new Map(),
        received: [],
        url: request.url ?? '',
        headers: request.headers,
      };
      this.peers.push(peer);
      socket.send(
        JSON.stringify({
          type: 'hello',
          protocol: 'mjpeg-kit.v1',
          cameras: this.cameras.map((name) => ({ name, online: true, audio: false })),
        }),
      );
      socket.on('message', (data: RawData, binary: boolean) => this.#onMessage(peer, data, binary));
    });
  }

  /** Live peers. */
  open(): Peer[] {
    return this.peers.filter((peer) => peer.socket.readyState === WebSocket.OPEN);
  }

  /** Sends a frame to every subscriber of `camera` that has credit; others keep it pending. */
  frame(camera: string, seq: number, body = Uint8Array.of(0xff, 0xd8, seq & 0xff, 0xff, 0xd9)): void {
    const header: WsPacketHeader = { camera, type: 'image/jpeg', ts: Date.now() + 0.5, seq };
    for (const peer of this.open()) {
      const subscription = peer.subscriptions.get(camera);
      if (subscription === undefined) continue;
      subscription.pending = { header, body };
      this.#flush(peer, subscription);
    }
  }

  audio(camera: string, seq: number): void {
    const header: WsPacketHeader = {
      camera,
      type: 'audio/L16',
      ts: Date.now(),
      seq,
      rate: 8000,
      channels: 1,
    };
    for (const peer of this.open()) {
      if (peer.subscriptions.get(camera)?.audio) this.#send(peer, header, new Uint8Array(320));
    }
  }

  /** Sends raw bytes as one binary message to every peer. */
  raw(bytes: Uint8Array): void {
    for (const peer of this.open()) peer.socket.send(bytes);
  }

  async close(): Promise<void> {
    for (const peer of this.peers) peer.socket.terminate();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #flush(peer: Peer, subscription: Subscription): void {
    if (subscription.pending === undefined || subscription.credit <= 0) return;
    const { header, body } = subscription.pending;
    subscription.pending = undefined;
    subscription.credit--;
    subscription.sent++;
    this.#send(peer, header, body);
  }

  #send(peer: Peer, header: WsPacketHeader, body: Uint8Array): void {
    if (this.fragments === 1) {
      peer.socket.send(encodeWsPacket(header, body));
      return;
    }
    // The way a server sends shared bytes without a copy: the prefix, then the body in pieces.
    const prefix = encodeWsPacketPrefix(header);
    peer.socket.send(prefix, { binary: true, fin: false });
    const step = Math.ceil(body.length / (this.fragments - 1));
    for (let at = 0; at < body.length; at += step) {
      peer.socket.send(body.subarray(at, at + step), { fin: at + step >= body.length });
    }
  }

  #onMessage(peer: Peer, data: RawData, binary: boolean): void {
    if (binary) {
      peer.socket.close(1003);
      return;
    }
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    peer.received.push(message);
    const camera = String(message.camera);
    if (message.type === 'subscribe') {
      if (!this.cameras.includes(camera)) {
        peer.socket.send(
          JSON.stringify({
            type: 'error',
            code: 'UNKNOWN_CAMERA',
            message: 'no such camera',
            camera,
            known: this.cameras,
          }),
        );
        return;
      }
      peer.subscriptions.set(camera, {
        camera,
        audio: message.audio === true,
        credit: Number(message.credit),
        sent: 0,
        pending: undefined,
      });
      peer.socket.send(JSON.stringify({ type: 'subscribed', camera, online: true, audio: null }));
    } else if (message.type === 'credit') {
      const subscription = peer.subscriptions.get(camera);
      if (subscription === undefined) return;
      subscription.credit = Math.min(16, subscription.credit + Number(message.frames));
      this.#flush(peer, subscription);
    } else if (message.type === 'unsubscribe') {
      peer.subscriptions.delete(camera);
    }
  }
}

const servers: FakeWsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
const connect = connectionsPerTest();

async function startServer(cameras = ['front', 'desk']): Promise<FakeWsServer> {
  const server = new FakeWsServer(cameras);
  servers.push(server);
  await server.start();
  return server;
}

function subscribedTo(server: FakeWsServer, camera: string): () => boolean {
  return () => server.open().some((peer) => peer.subscriptions.has(camera));
}

describe('openWsConnection', () => {
  it('multiplexes two cameras over one socket, bodies and seq intact across fragments', async () => {
    const server = await startServer();
    server.fragments = 3;
    const { connection } = connect(server.url);
    const front = connection.camera('front', { credit: 4 });
    const desk = connection.camera('desk', { credit: 4 });
    await until(() => subscribedTo(server, 'front')() && subscribedTo(server, 'desk')(), 'two subscriptions');
    for (let seq = 1; seq <= 3; seq++) {
      server.frame('front', seq);
      server.frame('desk', 100 + seq);
      await until(() => server.open()[0]!.subscriptions.get('desk')!.sent === seq, 'send');
    }
    const frontIterator = front[Symbol.asyncIterator]();
    const deskIterator = desk[Symbol.asyncIterator]();
    for (let seq = 1; seq <= 3; seq++) {
      const a = await frontIterator.next();
      const b = await deskIterator.next();
      expect(a.value?.seq).toBe(seq);
      expect([...(a.value?.body ?? [])]).toEqual([0xff, 0xd8, seq, 0xff, 0xd9]);
      expect(b.value?.seq).toBe(100 + seq);
      expect(b.value?.type).toBe('image/jpeg');
    }
    expect(server.peers).toHaveLength(1);
    expect(front.stats).toMatchObject({
      transport: 'ws',
      camera: 'front',
      frames: 3,
      framesDropped: 0,
      state: 'open',
    });
    expect(front.stats.bytes).toBeGreaterThan(15);
    expect(front.stats.latencyMs).toBeLessThan(5000);
    expect(connection.cameras.map((camera) => camera.name)).toEqual(['front', 'desk']);
    front.close();
    await frontIterator.next();
    await until(() => !subscribedTo(server, 'front')(), 'unsubscribe');
    expect(subscribedTo(server, 'desk')()).toBe(true);
  });

  it('keeps at most credit frames outstanding while the consumer does not read, one more per frame read', async () => {
    const server = await startServer();
    const { connection } = connect(server.url);
    const stream = connection.camera('front', { credit: 3 });
    await until(subscribedTo(server, 'front'), 'subscription');
    const subscription = () => server.open()[0]!.subscriptions.get('front')!;
    for (let seq = 1; seq <= 10; seq++) {
      server.frame('front', seq);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(subscription().sent).toBe(3);
    expect(subscription().credit).toBe(0);
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.seq).toBe(1);
    // The credit that read granted lets the pending (latest) frame go.
    await until(() => subscription().sent === 4, 'the fourth frame');
    const seqs = [
      (await iterator.next()).value?.seq,
      (await iterator.next()).value?.seq,
      (await iterator.next()).value?.seq,
    ];
    expect(seqs).toEqual([2, 3, 10]);
    expect(stream.stats.framesDropped).toBe(6);
    const credits = () => server.open()[0]!.received.filter((message) => message.type === 'credit');
    await until(() => credits().length >= 4, 'four credit messages');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(credits()).toHaveLength(4);
    expect(credits()[0]).toEqual({ type: 'credit', camera: 'front', frames: 1 });
  });

  it('ends only the unknown camera with UNKNOWN_CAMERA; the other keeps streaming', async () => {
    const server = await startServer();
    const { connection } = connect(server.url);
    const missing = connection.camera('garage');
    const front = connection.camera('front');
    const error = await (async () => {
      try {
        for await (const _ of missing) return undefined;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).code).toBe('UNKNOWN_CAMERA');
    expect((error as StreamError).message).toContain('front');
    await until(subscribedTo(server, 'front'), 'subscription');
    server.frame('front', 1);
    const iterator = front[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.seq).toBe(1);
    expect(server.peers).toHaveLength(1);
  });

  it.each([
    ['a version byte of 9', Uint8Array.of(9, 1, 0, 2, 0x7b, 0x7d)],
    ['a header length over 16 KiB', Uint8Array.of(1, 1, 0x40, 0x01)],
    ['a header that is not JSON', Uint8Array.of(1, 1, 0, 3, 0x7b, 0x22, 0x61)],
    ['a message of 3 bytes', Uint8Array.of(1, 1, 0)],
  ])('ends every camera with PROTOCOL for %s, without reconnecting', async (_name, bytes) => {
    const server = await startServer();
    const { connection, events } = connect(server.url);
    const front = connection.camera('front');
    await until(subscribedTo(server, 'front'), 'subscription');
    server.raw(bytes);
    await expect(front[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'PROTOCOL' });
    expect(events.at(-1)).toMatchObject({ state: 'closed', error: { code: 'PROTOCOL' } });
    expect(events.some((event) => event.state === 'reconnecting')).toBe(false);
    expect(connection.stats.state).toBe('closed');
  });

  it('gives audio packets with rate and channels when asked, none otherwise', async () => {
    const server = await startServer();
    const { connection } = connect(server.url);
    const front = connection.camera('front', { audio: true });
    await until(subscribedTo(server, 'front'), 'subscription');
    server.audio('front', 5);
    const packet = (await front[Symbol.asyncIterator]().next()).value;
    expect(packet).toMatchObject({ type: 'audio/L16', sampleRate: 8000, channels: 1, seq: 5 });
    expect(packet?.body.length).toBe(320);
    expect(front.stats.audioPackets).toBe(1);
    expect(server.open()[0]!.received[0]).toEqual({
      type: 'subscribe',
      camera: 'front',
      audio: true,
      credit: 2,
    });
  });

  it('reconnects after a server restart and subscribes every camera again', async () => {
    const server = await startServer();
    const { connection, events } = connect(server.url, { reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
    const front = connection.camera('front');
    const desk = connection.camera('desk');
    const frontIterator = front[Symbol.asyncIterator]();
    await until(() => subscribedTo(server, 'front')() && subscribedTo(server, 'desk')(), 'subscriptions');
    server.frame('front', 1);
    expect((await frontIterator.next()).value?.seq).toBe(1);
    const port = server.port;
    await server.close();
    await until(() => events.some((event) => event.state === 'reconnecting'), 'reconnecting');
    await server.start(port);
    await until(
      () => subscribedTo(server, 'front')() && subscribedTo(server, 'desk')(),
      'subscriptions again',
    );
    server.frame('front', 1);
    server.frame('desk', 7);
    expect((await frontIterator.next()).value?.seq).toBe(1);
    expect((await desk[Symbol.asyncIterator]().next()).value?.seq).toBe(7);
    expect(connection.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(front.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(front.stats.lastError?.code).toBe('NETWORK');
    expect(events.filter((event) => event.state === 'open').length).toBe(2);
  });

  it('with reconnect: false ends every camera with NETWORK when the server goes', async () => {
    const server = await startServer();
    const { connection } = connect(server.url, { reconnect: false });
    const front = connection.camera('front');
    await until(subscribedTo(server, 'front'), 'subscription');
    await server.close();
    await expect(front[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'NETWORK' });
  });

  it('ends with AUTH_FAILED (status 401) when the upgrade is refused with 401', async () => {
    const server = await startServer();
    server.refuse = 401;
    const connection = openWsConnection(server.url, { WebSocket: WS, reconnect: false });
    await expect(connection.camera('front')[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'AUTH_FAILED',
      status: 401,
    });
  });

  it('sends key as ?key= and URL credentials as Basic Authorization; stats.url shows neither', async () => {
    const server = await startServer();
    const { connection } = connect(`http://user:pa%20ss@127.0.0.1:${server.port}/ws`, { key: 's3cret' });
    connection.camera('front');
    await until(() => server.open().length === 1, 'connection');
    const peer = server.open()[0]!;
    expect(peer.url).toBe('/ws?key=s3cret');
    expect(peer.headers.authorization).toBe(`Basic ${btoa('user:pa ss')}`);
    expect(connection.stats.url).toBe(`ws://127.0.0.1:${server.port}/ws`);
  });

  it('ends with CONNECT_TIMEOUT when no hello comes', async () => {
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mjpeg-kit.v1' });
    await once(silent, 'listening');
    try {
      const port = (silent.address() as AddressInfo).port;
      const connection = openWsConnection(`ws://127.0.0.1:${port}/ws`, {
        WebSocket: WS,
        reconnect: false,
        connectTimeoutMs: 200,
      });
      await expect(connection.camera('front')[Symbol.asyncIterator]().next()).rejects.toMatchObject({
        code: 'CONNECT_TIMEOUT',
      });
    } finally {
      for (const client of silent.clients) client.terminate();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reconnects with IDLE_TIMEOUT when an online camera sends nothing to a waiting consumer', async () => {
    const server = await startServer();
    const { connection, events } = connect(server.url, {
      idleTimeoutMs: 200,
      reconnect: { minDelayMs: 20, maxDelayMs: 50 },
    });
    const iterator = connection.camera('front')[Symbol.asyncIterator]();
    const pending = iterator.next();
    await until(
      () => events.some((event) => event.error instanceof StreamError && event.error.code === 'IDLE_TIMEOUT'),
      'idle',
    );
    await until(() => server.open().length === 1 && server.peers.length === 2, 'second connection');
    await until(subscribedTo(server, 'front'), 'subscription again');
    server.frame('front', 3);
    expect((await pending).value?.seq).toBe(3);
  });

  it('refuses a second stream of one camera, credit out of 1..16 and fps out of 1..120 with INVALID_OPTION', async () => {
    const server = await startServer();
    const { connection } = connect(server.url);
    connection.camera('front');
    expect(() => connection.camera('front')).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', option: 'camera' }),
    );
    expect(() => connection.camera('desk', { credit: 17 })).toThrow(
      expect.objectContaining({ option: 'credit' }),
    );
    expect(() => connection.camera('desk', { fps: 0 })).toThrow(expect.objectContaining({ option: 'fps' }));
  });

  it('ends iteration without an error when the signal aborts, and closes the socket', async () => {
    const server = await startServer();
    const { connection, abort } = connect(server.url);
    const iterator = connection.camera('front')[Symbol.asyncIterator]();
    await until(subscribedTo(server, 'front'), 'subscription');
    const pending = iterator.next();
    abort();
    expect((await pending).done).toBe(true);
    await until(() => server.open().length === 0, 'socket closed');
    expect(connection.stats.state).toBe('closed');
  });
});

describe('openWsStream', () => {
  it('streams one camera and closes its socket when the loop breaks', async () => {
    const server = await startServer();
    const events: string[] = [];
    const stream = openWsStream(server.url, 'desk', {
      WebSocket: WS,
      onStatus: (event) => events.push(event.state),
    });
    const seen: number[] = [];
    const feeding = (async () => {
      await until(subscribedTo(server, 'desk'), 'subscription');
      for (let seq = 1; seq <= 3; seq++) {
        server.frame('desk', seq);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    for await (const packet of stream) {
      seen.push(packet.seq ?? -1);
      if (seen.length === 3) break;
    }
    await feeding;
    expect(seen).toEqual([1, 2, 3]);
    expect(stream.stats).toMatchObject({ transport: 'ws', frames: 3 });
    await until(() => server.open().length === 0, 'socket closed');
    expect(events).toEqual(['connecting', 'open', 'closed']);
  });

  it('throws UNKNOWN_CAMERA for a camera the server does not have', async () => {
    const server = await startServer();
    const stream = openWsStream(server.url, 'nope', { WebSocket: WS });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'UNKNOWN_CAMERA' });
    await until(() => server.open().length === 0, 'socket closed');
  });
});

describe('a camera closed before it is iterated', () => {
  it('unsubscribes at once (close() and its own signal)', async () => {
    const server = await startServer();
    const { connection } = connect(server.url);
    const front = connection.camera('front');
    const own = new AbortController();
    connection.camera('desk', { signal: own.signal });
    await until(() => subscribedTo(server, 'front')() && subscribedTo(server, 'desk')(), 'subscriptions');
    front.close();
    own.abort();
    await until(() => !subscribedTo(server, 'front')() && !subscribedTo(server, 'desk')(), 'unsubscribes');
    // The names are free again on this connection.
    connection.camera('front');
    await until(subscribedTo(server, 'front'), 'subscribed again');
  });
});
