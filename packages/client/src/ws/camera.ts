import type { ConnectionState, MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { nowMs } from '@mjpeg-kit/bytes';
import type { StreamError } from '../errors.js';
import { type MeteredCounters, StreamMeter } from '../stream-meter.js';
import { WS_KIND_VIDEO, type WsAudioInfo, type WsPacket } from './protocol.js';

/** Options of one camera of a `/ws` connection. */
export interface WsCameraOptions {
  /** Also receive the camera's audio packets. Default `false`. */
  audio?: boolean;
  /** Frames per second at most (1..120); the server spaces frames. Default: as many as credit allows. */
  fps?: number;
  /**
   * Video frames the server may send ahead of the consumer (1..16). Each frame the consumer takes
   * grants one more, so at most `credit` frames wait unread. Default 2.
   */
  credit?: number;
  /** Stops this camera only: iteration ends and the camera is unsubscribed. */
  signal?: AbortSignal;
  /** This camera's state: `connecting` (until subscribed), `open`, `reconnecting`, `closed`. */
  onStatus?: (event: StatusEvent) => void;
  /** The camera's source went offline (`false`) or came back (`true`). */
  onOnline?: (online: boolean) => void;
}

/** Live counters of one camera over `/ws`. */
export interface WsStreamStats extends MeteredCounters {
  /** Always `'ws'`. */
  readonly transport: 'ws';
  /** The camera's name. */
  readonly camera: string;
  /** Message bytes received for this camera (prefix and body), all connections. */
  bytes: number;
  /** Frames missed: gaps in `seq` (the server skipped them for this viewer, or unread ones were dropped at a reconnect). */
  framesDropped: number;
  /** Audio packets dropped because the consumer fell behind the bound. */
  audioDropped: number;
  /** `now − ts` of the latest packet, ms; `undefined` until then. */
  latencyMs: number | undefined;
  /** Whether the camera's source is online, as the server last said; `undefined` until subscribed. */
  online: boolean | undefined;
  /** The audio format the server announced, `null` without audio; `undefined` until subscribed. */
  audio: WsAudioInfo | null | undefined;
  /** Reconnects of the connection since this camera was added. */
  reconnects: number;
  /** This camera's state. */
  state: ConnectionState;
  /** The `/ws` URL (without credentials or key). */
  url: string;
  /** The last error the connection or this camera ended an attempt with. */
  lastError: StreamError | undefined;
}

/** One camera of a `/ws` connection: iterate it for packets; `stats` are live. */
export interface WsCameraStream extends AsyncIterable<MediaPacket> {
  readonly stats: WsStreamStats;
  /** Ends iteration and unsubscribes (also what `break` does). */
  close(): void;
}

/** What a camera session needs from its connection. */
export interface WsCameraHost {
  send(message: object): void;
  remove(camera: WsCameraSession): void;
  /** Whether the socket is open and past `hello`. */
  readonly ready: boolean;
  /** Called while the consumer waits on a subscribed, online camera with nothing arriving. */
  idle(camera: WsCameraSession, waitedMs: number): void;
  readonly idleTimeoutMs: number;
}

/** Most audio packets waiting unread per camera (about 5 s at 50 packets/s); the oldest go first. */
export const MAX_QUEUED_AUDIO = 256;

/** One subscription: the queue the socket fills and the consumer drains, with credit. */
export class WsCameraSession {
  readonly name: string;
  readonly stats: WsStreamStats;
  readonly audio: boolean;
  readonly fps: number | undefined;
  readonly credit: number;
  readonly #host: WsCameraHost;
  readonly #options: WsCameraOptions;
  readonly #meter = new StreamMeter();
  readonly #queue: WsPacket[] = [];
  #queuedVideo = 0;
  #queuedAudio = 0;
  #wake: (() => void) | undefined;
  #ended = false;
  #error: StreamError | undefined;
  #subscribed = false;
  #lastArrivalAt = nowMs();
  #iterated = false;

  constructor(host: WsCameraHost, name: string, options: WsCameraOptions, url: string) {
    this.#host = host;
    this.name = name;
    this.#options = options;
    this.audio = options.audio === true;
    this.fps = options.fps;
    this.credit = options.credit ?? 2;
    this.stats = this.#meter.createStats<Omit<WsStreamStats, keyof MeteredCounters>>({
      transport: 'ws',
      camera: name,
      audioDropped: 0,
      latencyMs: undefined,
      online: undefined,
      audio: undefined,
      reconnects: 0,
      state: 'connecting',
      url,
      lastError: undefined,
    });
    options.signal?.addEventListener('abort', () => this.end(), { once: true });
    if (options.signal?.aborted) this.end();
  }

  get ended(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** The `subscribe` message (credit counts only frames not already waiting). */
  subscribeMessage(): object {
    return {
      type: 'subscribe',
      camera: this.name,
      audio: this.audio,
      ...(this.fps !== undefined && { fps: this.fps }),
      credit: this.credit,
    };
  }

  /** A new connection: frames left unread from the old one are stale and their credit is gone. */
  resubscribing(): void {
    this.#subscribed = false;
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      if (this.#queue[i]!.kind === WS_KIND_VIDEO) {
        // Not counted here: the next frame's seq gap counts it.
        this.#queue.splice(i, 1);
      }
    }
    this.#queuedVideo = 0;
  }

  subscribed(online: boolean, audio: WsAudioInfo | null): void {
    this.#subscribed = true;
    this.#lastArrivalAt = nowMs();
    this.stats.audio = audio;
    this.setOnline(online);
    this.status({ state: 'open' });
  }

  setOnline(online: boolean): void {
    if (this.stats.online === online) return;
    this.stats.online = online;
    this.#lastArrivalAt = nowMs();
    try {
      this.#options.onOnline?.(online);
    } catch {
      // A throwing listener must not break the stream.
    }
  }

  status(event: StatusEvent): void {
    if (this.ended && event.state !== 'closed') return;
    if (event.error !== undefined) this.stats.lastError = event.error as StreamError;
    if (event.state === 'connecting' && event.attempt !== undefined) this.stats.reconnects++;
    this.stats.state = event.state;
    try {
      this.#options.onStatus?.(event);
    } catch {
      // A throwing listener must not break the stream.
    }
  }

  /** A packet from the socket; `size` is the whole message's length. */
  push(packet: WsPacket, size: number): void {
    if (this.ended) return;
    this.stats.bytes += size;
    this.#meter.addBytes(size);
    this.#lastArrivalAt = nowMs();
    if (packet.kind === WS_KIND_VIDEO) {
      // A server that keeps to credit never trips this; one that does not cannot grow the queue.
      if (this.#queuedVideo >= this.credit) this.#dropOldest(WS_KIND_VIDEO);
      this.#queuedVideo++;
    } else {
      if (!this.audio) return;
      if (this.#queuedAudio >= MAX_QUEUED_AUDIO) this.#dropOldest(packet.kind);
      this.#queuedAudio++;
    }
    this.#queue.push(packet);
    this.#notify();
  }

  /** Ends iteration normally. */
  end(): void {
    if (this.ended) return;
    this.#ended = true;
    // Unsubscribes now, also for a stream closed before (or without) being iterated.
    this.#host.remove(this);
    this.#notify();
  }

  /** Ends iteration with `error`. */
  fail(error: StreamError): void {
    if (this.ended) return;
    this.#error = error;
    this.stats.lastError = error;
    this.#notify();
  }

  stream(): WsCameraStream {
    return {
      stats: this.stats,
      close: () => this.end(),
      [Symbol.asyncIterator]: () => {
        if (this.#iterated) throw new TypeError('a /ws camera stream can be iterated only once');
        this.#iterated = true;
        return this.#run();
      },
    };
  }

  async *#run(): AsyncGenerator<MediaPacket, void, undefined> {
    try {
      for (;;) {
        const next = this.#queue.shift();
        if (next !== undefined) {
          if (next.kind === WS_KIND_VIDEO) {
            this.#queuedVideo--;
            this.#host.send({ type: 'credit', camera: this.name, frames: 1 });
          } else {
            this.#queuedAudio--;
          }
          this.#count(next);
          yield next.packet;
          continue;
        }
        if (this.#error !== undefined) throw this.#error;
        if (this.#ended) return;
        await this.#waitOrIdle();
      }
    } finally {
      this.#ended = true;
      this.#queue.length = 0;
      this.#host.remove(this);
      if (this.stats.state !== 'closed')
        this.status({ state: 'closed', ...(this.#error && { error: this.#error }) });
    }
  }

  /** Waits for a packet or an end, at most a slice of the idle timeout, and reports a silent camera. */
  async #waitOrIdle(): Promise<void> {
    const idleTimeoutMs = this.#host.idleTimeoutMs;
    const sliceMs = Math.max(10, Math.min(1000, idleTimeoutMs / 4));
    const startedAt = nowMs();
    for (;;) {
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.#wake = undefined;
          resolve(false);
        }, sliceMs);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve(true);
        };
      });
      if (woken) return;
      const now = nowMs();
      const waited = Math.min(now - startedAt, now - this.#lastArrivalAt);
      if (this.#subscribed && this.#host.ready && this.stats.online !== false && waited >= idleTimeoutMs) {
        this.#lastArrivalAt = now;
        this.#host.idle(this, waited);
      }
    }
  }

  #notify(): void {
    this.#wake?.();
  }

  #dropOldest(kind: number): void {
    const index = this.#queue.findIndex((queued) => queued.kind === kind);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    if (kind === WS_KIND_VIDEO) {
      // Counted by the seq gap it leaves.
      this.#queuedVideo--;
    } else {
      this.#queuedAudio--;
      this.stats.audioDropped++;
    }
  }

  #count(packet: WsPacket): void {
    const stats = this.stats;
    const now = nowMs();
    stats.latencyMs = now - packet.packet.timestamp;
    if (packet.kind !== WS_KIND_VIDEO) {
      stats.audioPackets++;
      return;
    }
    stats.frames++;
    stats.framesDropped += this.#meter.addFrame(packet.packet.seq, now);
  }
}
