import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrottleProxy, type ThrottleProxy } from '../../../test-support/throttle-proxy.js';

const servers: Server[] = [];
const proxies: ThrottleProxy[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  for (const server of servers.splice(0)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A TCP server that writes 16 KiB chunks as fast as each socket takes them, counting writes it could not finish. */
async function firehose(): Promise<{ port: number; blockedWrites: () => number }> {
  let blocked = 0;
  const chunk = Buffer.alloc(16 * 1024, 0x5a);
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    const pour = () => {
      while (!socket.destroyed) {
        if (!socket.write(chunk)) {
          blocked++;
          socket.once('drain', pour);
          return;
        }
      }
    };
    pour();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, blockedWrites: () => blocked };
}

describe('startThrottleProxy', () => {
  it('delivers a firehose at the downstream rate (±20%), with its own queue bounded and the sender blocked', async () => {
    const RATE = 2_000_000;
    const source = await firehose();
    const proxy = await startThrottleProxy({ target: { port: source.port }, downstreamBitsPerSecond: RATE });
    proxies.push(proxy);
    const client = connect(proxy.port, '127.0.0.1');
    sockets.push(client);
    let received = 0;
    let firstAt = 0;
    client.on('data', (data: Buffer) => {
      if (received === 0) firstAt = performance.now();
      received += data.length;
    });
    await once(client, 'data');
    // Past the first second: the bucket's first burst and the kernel buffers' first fill are behind.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const startBytes = received;
    const startAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const bitsPerSecond = ((received - startBytes) * 8 * 1000) / (performance.now() - startAt);
    expect(firstAt).toBeGreaterThan(0);
    expect(bitsPerSecond).toBeGreaterThan(RATE * 0.8);
    expect(bitsPerSecond).toBeLessThan(RATE * 1.2);
    expect(proxy.stats.downstreamBytes).toBeGreaterThanOrEqual(received);
    // One 64 KiB read past the 64 KiB bound at most.
    expect(proxy.stats.maxQueuedBytes).toBeLessThanOrEqual(128 * 1024);
    expect(source.blockedWrites()).toBeGreaterThan(0);
  });

  it('throttles the upstream direction at its own rate (±20%)', async () => {
    const RATE = 1_000_000;
    let received = 0;
    const sink = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (data: Buffer) => {
        received += data.length;
      });
    });
    servers.push(sink);
    sink.listen(0, '127.0.0.1');
    await once(sink, 'listening');
    const proxy = await startThrottleProxy({
      target: { port: (sink.address() as AddressInfo).port },
      upstreamBitsPerSecond: RATE,
    });
    proxies.push(proxy);
    const client = connect(proxy.port, '127.0.0.1');
    sockets.push(client);
    await once(client, 'connect');
    // 2 s worth at the rate, written at once.
    client.write(Buffer.alloc(RATE / 4, 0x11));
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const bitsPerSecond = (received * 8 * 1000) / (performance.now() - started);
    expect(bitsPerSecond).toBeGreaterThan(RATE * 0.8);
    expect(bitsPerSecond).toBeLessThan(RATE * 1.2);
    expect(proxy.stats.downstreamBytes).toBe(0);
  });

  it('passes bytes both ways unthrottled when no rate is given, and close() ends its connections', async () => {
    const echo = createServer((socket) => {
      sockets.push(socket);
      socket.pipe(socket);
    });
    servers.push(echo);
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const proxy = await startThrottleProxy({ target: { port: (echo.address() as AddressInfo).port } });
    proxies.push(proxy);
    const client = connect(proxy.port, '127.0.0.1');
    sockets.push(client);
    const payload = Buffer.alloc(512 * 1024, 0x33);
    let got = 0;
    const done = new Promise<void>((resolve) =>
      client.on('data', (data: Buffer) => {
        got += data.length;
        if (got >= payload.length) resolve();
      }),
    );
    client.write(payload);
    await done;
    expect(got).toBe(payload.length);
    expect(proxy.stats).toMatchObject({
      connections: 1,
      upstreamBytes: payload.length,
      downstreamBytes: payload.length,
    });
    const closed = once(client, 'close');
    await proxy.close();
    await closed;
  });
});
