/**
 * A slow link for tests and benches: a TCP proxy on 127.0.0.1 that forwards each connection to
 * `target` at a token-bucket rate per direction.
 *
 * Each direction is one bounded queue: bytes read from the sending side wait in it until the
 * bucket allows them out, and when it holds more than `maxQueuedBytes` the proxy stops reading
 * that side. So the queue plays the bottleneck router's buffer (64 KiB: ~260 ms at 2 Mbit/s), and
 * beyond it backpressure reaches the sender: its kernel send buffer fills and its writes wait, as
 * on a slow link. The proxy never hides the limit behind a queue of its own that grows. Its
 * client side is written only at the rate, so that socket's kernel buffer stays near empty; on
 * the target side Node cannot set SO_RCVBUF, so the kernel's receive buffer (tcp_rmem, 128 KiB
 * to start on Linux) adds to the queue, as a modem's or router's buffer would.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export interface ThrottleProxyOptions {
  /** Where connections go. */
  target: { host?: string; port: number };
  /** Server → client rate, bits per second (`undefined`: not throttled). */
  downstreamBitsPerSecond?: number;
  /** Client → server rate, bits per second (`undefined`: not throttled). */
  upstreamBitsPerSecond?: number;
  /** Bytes held per direction per connection before the sending side is paused (default 64 KiB). */
  maxQueuedBytes?: number;
  /** Bucket depth, bytes: the largest burst (default 4 KiB, ~16 ms at 2 Mbit/s). */
  burstBytes?: number;
}

export interface ThrottleProxyStats {
  connections: number;
  /** Bytes delivered to clients. */
  downstreamBytes: number;
  /** Bytes delivered to the target. */
  upstreamBytes: number;
  /** The most bytes any one direction of any connection held at once. */
  maxQueuedBytes: number;
}

export interface ThrottleProxy {
  /** `127.0.0.1:PORT` as `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly port: number;
  readonly stats: ThrottleProxyStats;
  /** Stops listening, destroys every connection and timer. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024;
const DEFAULT_BURST_BYTES = 4 * 1024;
/** Shortest wait between pumps: timers finer than this only cost CPU. */
const MIN_TICK_MS = 2;

/** One direction of one connection: `from` is read into a bounded queue that drains into `to` at `rate`. */
class Pipe {
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #tokens: number;
  #last = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waitingDrain = false;
  #ended = false;
  #closed = false;

  constructor(
    readonly from: Socket,
    readonly to: Socket,
    /** Bytes per ms, or Infinity. */
    readonly rate: number,
    readonly burst: number,
    readonly maxQueued: number,
    readonly onSent: (bytes: number) => void,
    readonly onQueued: (bytes: number) => void,
  ) {
    this.#tokens = burst;
    from.on('data', (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      this.onQueued(this.#queued);
      if (this.#queued > this.maxQueued) from.pause();
      this.#pump();
    });
    from.on('end', () => {
      this.#ended = true;
      this.#pump();
    });
    to.on('drain', () => {
      this.#waitingDrain = false;
      this.#pump();
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }

  #pump(): void {
    if (this.#closed || this.#timer || this.#waitingDrain) return;
    const now = performance.now();
    this.#tokens = Number.isFinite(this.rate)
      ? Math.min(this.burst, this.#tokens + (now - this.#last) * this.rate)
      : Number.POSITIVE_INFINITY;
    this.#last = now;
    while (this.#queue.length > 0 && this.#tokens >= 1) {
      const head = this.#queue[0]!;
      const take = Math.min(head.length, Math.floor(this.#tokens));
      const piece = take === head.length ? head : head.subarray(0, take);
      if (take === head.length) this.#queue.shift();
      else this.#queue[0] = head.subarray(take);
      this.#queued -= take;
      this.#tokens -= take;
      this.onSent(take);
      if (!this.to.write(piece)) {
        this.#waitingDrain = true;
        break;
      }
    }
    if (this.#queued <= this.maxQueued / 2 && this.from.isPaused() && !this.from.destroyed)
      this.from.resume();
    if (this.#queue.length === 0) {
      if (this.#ended) this.to.end();
      return;
    }
    if (this.#waitingDrain) return;
    const needMs = Math.max(
      MIN_TICK_MS,
      (Math.min(this.burst, this.#queue[0]!.length) - this.#tokens) / this.rate,
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, needMs);
  }
}

/** Starts the proxy on 127.0.0.1, port 0. */
export async function startThrottleProxy(options: ThrottleProxyOptions): Promise<ThrottleProxy> {
  const maxQueued = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  const burst = options.burstBytes ?? DEFAULT_BURST_BYTES;
  const perMs = (bits: number | undefined) =>
    bits === undefined ? Number.POSITIVE_INFINITY : bits / 8 / 1000;
  const down = perMs(options.downstreamBitsPerSecond);
  const up = perMs(options.upstreamBitsPerSecond);
  const stats: ThrottleProxyStats = {
    connections: 0,
    downstreamBytes: 0,
    upstreamBytes: 0,
    maxQueuedBytes: 0,
  };
  const sockets = new Set<Socket>();
  const pipes = new Set<Pipe>();
  const onQueued = (bytes: number) => {
    if (bytes > stats.maxQueuedBytes) stats.maxQueuedBytes = bytes;
  };

  /** `from` → `to` at `rate` bytes/ms (a burst only when limited), counting into `stats[counted]`. */
  const pipe = (from: Socket, to: Socket, rate: number, counted: 'downstreamBytes' | 'upstreamBytes') =>
    new Pipe(
      from,
      to,
      rate,
      Number.isFinite(rate) ? burst : Number.POSITIVE_INFINITY,
      maxQueued,
      (bytes) => {
        stats[counted] += bytes;
      },
      onQueued,
    );

  const server: Server = createServer({ noDelay: true }, (client) => {
    stats.connections++;
    // Paused until the target accepts, so nothing is read that has nowhere to go.
    client.pause();
    const upstream = connect({
      host: options.target.host ?? '127.0.0.1',
      port: options.target.port,
      noDelay: true,
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    const toClient = pipe(upstream, client, down, 'downstreamBytes');
    const toServer = pipe(client, upstream, up, 'upstreamBytes');
    pipes.add(toClient).add(toServer);
    upstream.once('connect', () => client.resume());
    const teardown = () => {
      toClient.close();
      toServer.close();
      pipes.delete(toClient);
      pipes.delete(toServer);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    stats,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const pipe of pipes) pipe.close();
      pipes.clear();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
