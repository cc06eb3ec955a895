import type { MediaPacket, PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { nowMs } from '@mjpeg-kit/bytes';
import type { WebSocket } from 'ws';
import type { Camera, CameraRegistry } from './cameras.js';
import type { TransportViewer } from './hub.js';
import {
  audioDurationMs,
  bodyLength,
  bodyPieces,
  echoName,
  errorMessage,
  helloMessage,
  MAX_WS_CREDIT,
  MAX_WS_SUBSCRIPTIONS,
  packetPrefix,
  parseClientMessage,
  statusMessage,
  subscribedMessage,
  WS_CLOSE_POLICY,
  WS_CLOSE_UNSUPPORTED,
  type WsClientMessage,
  WsMessageError,
  type WsSubscribe,
} from './ws-messages.js';

/** Bytes a connection may have buffered before it gets more: a frame or audio waits beyond it. */
export const WS_MAX_BUFFERED_BYTES = 256 * 1024;
/** Keepalive: a ws ping this often, ms. */
export const WS_PING_INTERVAL_MS = 15_000;
/** A connection that shows no sign of life (pong or message) for this long is terminated, ms. */
export const WS_PONG_TIMEOUT_MS = 30_000;

/** A connection with this many times `maxBufferedBytes` unread when a reply is due is cut. */
const MAX_TEXT_BACKLOG_FACTOR = 4;

type Packet = MediaPacket | PiecesMediaPacket;

/** What a session sent over its life, for its log line. */
export interface WsSessionSummary {
  /** How it ended: `closed 1000 by the client`, `closed 1001 by the server: …`, `terminated: …`. */
  reason: string;
  durationMs: number;
  cameras: string[];
  framesSent: number;
  framesSkipped: number;
  audioSent: number;
  bytesSent: number;
}

/** Timings a session runs by (tests shorten them). */
export interface WsSessionTimings {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  maxBufferedBytes: number;
}

/**
 * One camera of one connection: its credit, at most one pending frame (a newer one replaces
 * it, counted as skipped), the fps cap and the audio queue (bounded in duration, oldest dropped).
 * It holds packets by reference: never a copy of a body.
 */
class WsSubscription {
  readonly camera: Camera;
  readonly counters: TransportViewer;
  credit = 1;
  audio = false;
  minIntervalMs = 0;
  lastSentAt = Number.NEGATIVE_INFINITY;
  pending: Packet | undefined;
  fpsTimer: ReturnType<typeof setTimeout> | undefined;
  readonly audioQueue: Packet[] = [];
  audioQueueMs = 0;
  online: boolean;
  unsubscribe: () => void = () => {};

  constructor(camera: Camera, counters: TransportViewer) {
    this.camera = camera;
    this.counters = counters;
    this.online = camera.hub.source.online;
  }

  apply(message: WsSubscribe): void {
    this.credit = message.credit;
    this.audio = message.audio;
    this.minIntervalMs = message.fps === undefined ? 0 : 1000 / message.fps;
    if (!this.audio) this.dropAudio();
  }

  dropAudio(): void {
    for (let i = 0; i < this.audioQueue.length; i++) this.counters.audioDropped();
    this.audioQueue.length = 0;
    this.audioQueueMs = 0;
  }

  end(): void {
    this.unsubscribe();
    if (this.fpsTimer !== undefined) clearTimeout(this.fpsTimer);
    this.fpsTimer = undefined;
    this.pending = undefined;
    this.audioQueue.length = 0;
    this.audioQueueMs = 0;
    this.counters.leave();
  }
}

/**
 * One `/ws` connection: its subscriptions, flow control and keepalive. Media goes out only while
 * the socket has less than `maxBufferedBytes` buffered; what waits is retried when a send
 * completes, so a slow link holds at most the bound plus one packet.
 */
export class WsSession {
  readonly #ws: WebSocket;
  readonly #cameras: CameraRegistry;
  readonly #timings: WsSessionTimings;
  readonly #subscriptions = new Map<string, WsSubscription>();
  readonly #onEnd: (session: WsSession) => void;
  readonly #onSubscribe: (camera: Camera) => void;
  readonly #openedAt = nowMs();
  readonly #cameraNames = new Set<string>();
  readonly #totals = { framesSent: 0, framesSkipped: 0, audioSent: 0, bytesSent: 0 };
  #endReason = 'closed';
  #lastSignOfLife = nowMs();
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  /** Something waits for the buffered amount to go down. */
  #blocked = false;
  #closed = false;
  readonly #afterSend = () => {
    if (this.#blocked && !this.#closed) {
      this.#blocked = false;
      for (const subscription of this.#subscriptions.values()) this.#pump(subscription);
    }
  };

  constructor(
    ws: WebSocket,
    cameras: CameraRegistry,
    timings: WsSessionTimings,
    onEnd: (session: WsSession) => void,
    onSubscribe: (camera: Camera) => void = () => {},
  ) {
    this.#ws = ws;
    this.#cameras = cameras;
    this.#timings = timings;
    this.#onEnd = onEnd;
    this.#onSubscribe = onSubscribe;
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    ws.on('pong', () => {
      this.#lastSignOfLife = nowMs();
    });
    ws.on('error', (error) => this.terminate(`socket error: ${error.message}`));
    ws.once('close', (code) => this.#end(`closed ${code} by the client`));
    this.#pingTimer = setInterval(() => this.#keepAlive(), timings.pingIntervalMs);
    this.#pingTimer.unref?.();
    const info = [];
    for (const camera of cameras) {
      info.push({ name: camera.name, online: camera.hub.source.online, audio: camera.audio });
    }
    ws.send(helloMessage(info));
  }

  /** How many cameras this connection is subscribed to. */
  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /** What it sent so far, and how it ended once it has. */
  get summary(): WsSessionSummary {
    return {
      reason: this.#endReason,
      durationMs: nowMs() - this.#openedAt,
      cameras: [...this.#cameraNames],
      ...this.#totals,
    };
  }

  /** Closes with `code` (1001 at shutdown); ends the subscriptions at once. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#end(`closed ${code} by the server: ${reason}`);
    this.#ws.close(code, reason);
  }

  /** Kills the connection without a close handshake. */
  terminate(why: string): void {
    this.#end(`terminated: ${why}`);
    this.#ws.terminate();
  }

  /** A camera's hub closed: it is offline for good, and its subscription ends. */
  cameraClosed(camera: Camera): void {
    const subscription = this.#subscriptions.get(camera.name);
    if (subscription?.camera !== camera) return;
    this.#subscriptions.delete(camera.name);
    subscription.end();
    this.#sendText(statusMessage(camera.name, false));
  }

  /** A camera's source went online or offline. */
  cameraStatus(camera: Camera, online: boolean): void {
    const subscription = this.#subscriptions.get(camera.name);
    if (subscription?.camera !== camera || subscription.online === online) return;
    subscription.online = online;
    this.#sendText(statusMessage(camera.name, online));
  }

  #keepAlive(): void {
    if (nowMs() - this.#lastSignOfLife > this.#timings.pongTimeoutMs) {
      this.terminate(`no sign of life for ${this.#timings.pongTimeoutMs} ms`);
      return;
    }
    this.#ws.ping();
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#closed) return;
    this.#lastSignOfLife = nowMs();
    if (isBinary) {
      this.close(WS_CLOSE_UNSUPPORTED, 'binary messages are not accepted');
      return;
    }
    let message: WsClientMessage;
    try {
      message = parseClientMessage(data);
    } catch (error) {
      // Thrown inside a socket event, anything else would end the process: it is bad input too.
      const refusal =
        error instanceof WsMessageError
          ? error
          : new WsMessageError('BAD_MESSAGE', 'unreadable message', true);
      this.#sendText(errorMessage(refusal.code, refusal.message));
      if (refusal.close) this.close(WS_CLOSE_POLICY, refusal.code);
      return;
    }
    switch (message.type) {
      case 'subscribe':
        this.#subscribe(message);
        return;
      case 'unsubscribe': {
        const subscription = this.#subscriptions.get(message.camera);
        if (subscription === undefined) return;
        this.#subscriptions.delete(message.camera);
        subscription.end();
        return;
      }
      case 'credit': {
        // Credit for a camera just unsubscribed is a race, not an error: ignored.
        const subscription = this.#subscriptions.get(message.camera);
        if (subscription === undefined) return;
        subscription.credit = Math.min(MAX_WS_CREDIT, subscription.credit + message.frames);
        this.#pump(subscription);
        return;
      }
    }
  }

  #subscribe(message: WsSubscribe): void {
    const name = message.camera;
    const existing = this.#subscriptions.get(name);
    if (existing !== undefined) {
      existing.apply(message);
      this.#sendText(subscribedMessage(name, existing.online, this.#audioFormatOf(existing)));
      this.#pump(existing);
      return;
    }
    const camera = this.#cameras.get(name);
    if (camera === undefined || camera.hub.closed) {
      this.#sendText(
        errorMessage('UNKNOWN_CAMERA', `no camera ${JSON.stringify(echoName(name))}`, {
          camera: echoName(name),
          known: this.#cameras.names(),
        }),
      );
      return;
    }
    if (this.#subscriptions.size >= MAX_WS_SUBSCRIPTIONS) {
      this.#sendText(
        errorMessage('TOO_MANY_SUBSCRIPTIONS', `at most ${MAX_WS_SUBSCRIPTIONS} cameras per connection`, {
          camera: name,
        }),
      );
      return;
    }
    const hub = camera.hub;
    if (!hub.canAccept()) {
      this.#sendText(
        errorMessage('VIEWER_LIMIT', `camera "${name}" has its most viewers (${hub.maxViewers})`, {
          camera: name,
        }),
      );
      return;
    }
    this.#onSubscribe(camera);
    this.#cameraNames.add(name);
    const subscription = new WsSubscription(camera, this.#counted(hub.addTransportViewer()));
    subscription.apply(message);
    this.#subscriptions.set(name, subscription);
    subscription.unsubscribe = hub.subscribe((packet) => this.#onPacket(subscription, packet));
    this.#sendText(subscribedMessage(name, subscription.online, this.#audioFormatOf(subscription)));
    // A first picture at once: the latest frame, if there is one.
    subscription.pending = hub.latestFrame;
    this.#pump(subscription);
  }

  /** The hub's counters, also summed per connection for its log line. */
  #counted(counters: TransportViewer): TransportViewer {
    const totals = this.#totals;
    return {
      frameSent: (bytes) => {
        totals.framesSent++;
        totals.bytesSent += bytes;
        counters.frameSent(bytes);
      },
      frameSkipped: () => {
        totals.framesSkipped++;
        counters.frameSkipped();
      },
      audioSent: (bytes) => {
        totals.audioSent++;
        totals.bytesSent += bytes;
        counters.audioSent(bytes);
      },
      audioDropped: () => counters.audioDropped(),
      leave: () => counters.leave(),
    };
  }

  #audioFormatOf(subscription: WsSubscription) {
    return subscription.audio && subscription.camera.audio ? subscription.camera.hub.audioFormat : undefined;
  }

  #onPacket(subscription: WsSubscription, packet: Packet): void {
    if (packet.type === 'image/jpeg') {
      if (subscription.pending !== undefined) subscription.counters.frameSkipped();
      subscription.pending = packet;
    } else {
      if (!subscription.audio) return;
      const queue = subscription.audioQueue;
      queue.push(packet);
      subscription.audioQueueMs += audioDurationMs(packet);
      // Oldest first, but never the packet just queued.
      const boundMs = subscription.camera.hub.audioBufferMs;
      while (subscription.audioQueueMs > boundMs && queue.length > 1) {
        subscription.audioQueueMs -= audioDurationMs(queue.shift()!);
        subscription.counters.audioDropped();
      }
    }
    this.#pump(subscription);
  }

  /** Sends what a subscription is owed and the socket can take now. */
  #pump(subscription: WsSubscription): void {
    if (this.#closed) return;
    const ws = this.#ws;
    const bound = this.#timings.maxBufferedBytes;
    const queue = subscription.audioQueue;
    while (queue.length > 0) {
      if (ws.bufferedAmount >= bound) {
        this.#blocked = true;
        return;
      }
      const packet = queue.shift()!;
      subscription.audioQueueMs -= audioDurationMs(packet);
      subscription.counters.audioSent(this.#sendPacket(subscription, packet));
    }
    if (queue.length === 0) subscription.audioQueueMs = 0;
    const frame = subscription.pending;
    if (frame === undefined || subscription.credit <= 0) return;
    const waitMs = subscription.lastSentAt + subscription.minIntervalMs - nowMs();
    if (waitMs > 0) {
      subscription.fpsTimer ??= setTimeout(() => {
        subscription.fpsTimer = undefined;
        this.#pump(subscription);
      }, waitMs);
      return;
    }
    if (ws.bufferedAmount >= bound) {
      this.#blocked = true;
      return;
    }
    subscription.pending = undefined;
    subscription.credit--;
    subscription.lastSentAt = nowMs();
    subscription.counters.frameSent(this.#sendPacket(subscription, frame));
  }

  /**
   * One binary message: the shared prefix, then the body as held (one piece or several), as
   * fragments of the same message, so no body is copied per connection. Returns the bytes sent.
   */
  #sendPacket(subscription: WsSubscription, packet: Packet): number {
    const ws = this.#ws;
    const prefix = packetPrefix(packet, subscription.camera.name);
    const pieces = bodyPieces(packet);
    ws.send(prefix, { binary: true, fin: pieces.length === 0 });
    const last = pieces.length - 1;
    for (let i = 0; i <= last; i++) {
      ws.send(pieces[i]!, { binary: true, fin: i === last }, i === last ? this.#afterSend : undefined);
    }
    return prefix.length + bodyLength(packet);
  }

  #sendText(text: string): void {
    if (this.#closed) return;
    // Replies are small, but a client may ask for them faster than it reads them.
    if (this.#ws.bufferedAmount > MAX_TEXT_BACKLOG_FACTOR * this.#timings.maxBufferedBytes) {
      this.terminate('replies not read');
      return;
    }
    this.#ws.send(text);
  }

  #end(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endReason = reason;
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    for (const subscription of this.#subscriptions.values()) subscription.end();
    this.#subscriptions.clear();
    this.#onEnd(this);
  }
}
