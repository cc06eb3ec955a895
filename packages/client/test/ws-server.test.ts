/**
 * openWsConnection against the real server: createMjpegHandler(...).upgrade from
 * @mjpeg-kit/server's source, with hubs the test publishes into.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraRegistry, createMjpegHandler, MjpegHub } from '../../server/src/index.js';
import { openWsStream } from '../src/index.js';
import { connectionsPerTest, until, WS } from './helpers/ws.js';

interface RealServer {
  hubs: Record<string, MjpegHub>;
  port: number;
  url: string;
  /** TCP connections accepted, all time. */
  connections: number;
  close(): Promise<void>;
}

const started: RealServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});
const connect = connectionsPerTest();

async function startReal(cameras: string[], port = 0): Promise<RealServer> {
  const registry = new CameraRegistry();
  const hubs: Record<string, MjpegHub> = {};
  for (const name of cameras) {
    hubs[name] = new MjpegHub({ closeTimeoutMs: 300, repeatStillMs: 0 });
    registry.add({ name, hub: hubs[name]!, runs: [], audio: false });
  }
  const handler = createMjpegHandler(registry);
  const server: Server = createServer(handler);
  const sockets = new Set<Socket>();
  const result: RealServer = {
    hubs,
    port: 0,
    url: '',
    connections: 0,
    async close() {
      await Promise.all(Object.values(hubs).map((hub) => hub.close()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', (socket) => {
    result.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket, head) => {
    if (!handler.upgrade(req, socket, head)) socket.destroy();
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  result.port = (server.address() as AddressInfo).port;
  result.url = `ws://127.0.0.1:${result.port}/ws`;
  started.push(result);
  return result;
}

function jpeg(fill: number, bytes = 64): Uint8Array {
  const body = new Uint8Array(bytes).fill(fill);
  body.set([0xff, 0xd8], 0);
  body.set([0xff, 0xd9], bytes - 2);
  return body;
}

function frame(fill: number, seq: number, bytes = 64): MediaPacket {
  return { type: 'image/jpeg', body: jpeg(fill, bytes), timestamp: Date.now(), seq };
}

describe('openWsConnection against createMjpegHandler(...).upgrade', () => {
  it('gets two cameras over one TCP connection, bodies and seq as published', async () => {
    const server = await startReal(['front', 'desk']);
    const { connection } = connect(server.url);
    const front = connection.camera('front', { credit: 4 });
    const desk = connection.camera('desk', { credit: 4 });
    const frontIterator = front[Symbol.asyncIterator]();
    const deskIterator = desk[Symbol.asyncIterator]();
    await until(() => front.stats.state === 'open' && desk.stats.state === 'open', 'both subscribed');
    const got: MediaPacket[] = [];
    for (let i = 1; i <= 3; i++) {
      server.hubs.front!.publish(frame(0x10 + i, i));
      server.hubs.desk!.publish(frame(0x20 + i, 50 + i));
      got.push((await frontIterator.next()).value!, (await deskIterator.next()).value!);
    }
    expect(got.map((packet) => packet.seq)).toEqual([1, 51, 2, 52, 3, 53]);
    expect([...got[0]!.body]).toEqual([...jpeg(0x11)]);
    expect([...got[5]!.body]).toEqual([...jpeg(0x23)]);
    expect(connection.cameras.map((camera) => camera.name)).toEqual(['front', 'desk']);
    expect(server.connections).toBe(1);
  });

  it('holds at most credit frames for a consumer that does not read', async () => {
    const server = await startReal(['front']);
    const { connection } = connect(server.url);
    const front = connection.camera('front', { credit: 2 });
    await until(() => front.stats.state === 'open', 'subscribed');
    const size = 20_000;
    for (let i = 1; i <= 10; i++) {
      server.hubs.front!.publish(frame(i, i, size));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    // Two frames and their prefixes arrived, not ten.
    expect(front.stats.bytes).toBeGreaterThanOrEqual(2 * size);
    expect(front.stats.bytes).toBeLessThan(3 * size);
    const iterator = front[Symbol.asyncIterator]();
    const seqs = [(await iterator.next()).value?.seq, (await iterator.next()).value?.seq];
    expect(seqs).toEqual([1, 2]);
    // The two credits granted let the pending (newest) frame come.
    expect((await iterator.next()).value?.seq).toBe(10);
    expect(front.stats.framesDropped).toBe(7);
  });

  it('ends an unknown camera with UNKNOWN_CAMERA naming the known ones', async () => {
    const server = await startReal(['front']);
    const stream = openWsStream(server.url, 'garage', { WebSocket: WS });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'UNKNOWN_CAMERA',
      message: expect.stringContaining('front'),
    });
  });

  it('reconnects after the server restarts and subscribes again', async () => {
    const server = await startReal(['front']);
    const { connection, events } = connect(server.url, { reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
    const front = connection.camera('front');
    const iterator = front[Symbol.asyncIterator]();
    await until(() => front.stats.state === 'open', 'subscribed');
    server.hubs.front!.publish(frame(1, 1));
    expect((await iterator.next()).value?.seq).toBe(1);
    await server.close();
    await until(() => events.some((event) => event.state === 'reconnecting'), 'reconnecting');
    const again = await startReal(['front'], server.port);
    await until(() => front.stats.state === 'open', 'subscribed again');
    again.hubs.front!.publish(frame(2, 1));
    expect((await iterator.next()).value?.body[2]).toBe(2);
    expect(connection.stats.reconnects).toBeGreaterThanOrEqual(1);
  });
});
