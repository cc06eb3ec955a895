import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import {
  contiguousBody,
  RateMeter as FrameRateMeter,
  type LifecycleOptions,
  type MediaPacket,
  nowMs,
  type PiecesMediaPacket,
} from '@mjpeg-kit/bytes';
import { encodeChunk, LAST_CHUNK } from '@mjpeg-kit/chunked';
import { createBoundary, MultipartEncoder } from '@mjpeg-kit/frame-encoder';
import { readJpegInfo } from '@mjpeg-kit/jpeg-scanner';
import { createWavHeader } from './audio.js';
import { AudioItem } from './audio-item.js';
import {
  asBuffer,
  EncodedPart,
  LAYOUT_ADVANCE,
  LAYOUT_CHUNKED,
  LAYOUT_LEGACY,
  type PartEncoders,
} from './encoded-part.js';
import { ServerError } from './errors.js';
import { checkHubOptions, checkNumberOption } from './option-checks.js';
import { PCMU_RATE_HZ, PcmuTranscoder } from './pcmu-transcoder.js';
import { type LeaveReason, Viewer, type ViewerOptions, type ViewerSink } from './viewer.js';

/** Default `stallTimeoutMs`: a viewer that drains nothing for 5 s is disconnected. */
export const DEFAULT_STALL_TIMEOUT_MS = 5000;
/** Default `repeatStillMs`: the latest frame is re-sent after 1 s without a new one. */
export const DEFAULT_REPEAT_STILL_MS = 1000;
/** Default `audioBufferMs`: a slow `/av` or `/audio.wav` viewer keeps up to 500 ms of audio. */
export const DEFAULT_AUDIO_BUFFER_MS = 500;
/** Default `maxViewers`. */
export const DEFAULT_MAX_VIEWERS = 10_000;
/** Default `keepaliveMs`: TCP keep-alive probes on viewer sockets after 15 s of silence. */
export const DEFAULT_KEEPALIVE_MS = 15_000;
/** Default `closeTimeoutMs`: how long `close()` lets viewers take their last bytes. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2000;

/** Options of {@link MjpegHub}. */
export interface MjpegHubOptions extends LifecycleOptions {
  /** Multipart boundary shared by every stream (default: `createBoundary()`). */
  boundary?: string;
  /** TCP keep-alive delay on viewer sockets, ms; 0 turns probes off. Default 15000. */
  keepaliveMs?: number;
  /** A viewer whose socket drains nothing for this long is disconnected. Default 5000. */
  stallTimeoutMs?: number;
  /** Viewers beyond this are refused (the handler answers 503). Default 10000. */
  maxViewers?: number;
  /** Skip a frame byte-identical to the previous one. Default false. */
  dropSameFrames?: boolean;
  /** Re-send the latest frame when none came for this long, ms; 0 turns it off. Default 1000. */
  repeatStillMs?: number;
  /** Audio a slow viewer may have queued, ms; the oldest is dropped beyond it. Default 500. */
  audioBufferMs?: number;
  /** How long `close()` waits for viewers to take their last bytes before destroying sockets. Default 2000. */
  closeTimeoutMs?: number;
  /** The source's kind for `/state` (`synthetic`, `serial`, `file`, `http`, …). Default `'push'`. */
  sourceKind?: string;
  /** The first viewer (or snapshot wait) came: start a lazy source. */
  onActive?: () => void;
  /** The last viewer left: a lazy source may stop. */
  onIdle?: () => void;
}

/** The source's health as `/state` reports it. */
export interface SourceState {
  kind: string;
  online: boolean;
  error?: string;
}

/** `/state` JSON: the shape docs/architecture.md lists under the URL surface; clients parse it, so keys only grow. */
export interface HubState {
  source: SourceState;
  fps: number;
  resolution: { width: number; height: number };
  viewers: number;
  bytesSent: number;
  uptimeSeconds: number;
}

/** Live counters of a hub. */
export interface MjpegHubStats {
  viewers: number;
  peakViewers: number;
  framesPublished: number;
  /** Frames skipped as byte-identical to the previous one (`dropSameFrames`). */
  framesDroppedSame: number;
  /** Frames written to viewers (one per viewer per frame). */
  framesSent: number;
  /** Frames a viewer never got because a newer one replaced it first (slow viewers, `fps` caps). */
  framesSkipped: number;
  /** Frames re-sent because the scene was still (`repeatStillMs`). */
  framesRepeated: number;
  audioPacketsPublished: number;
  audioPacketsSent: number;
  /** Audio packets dropped from slow viewers' queues (oldest first). */
  audioPacketsDropped: number;
  bytesSent: number;
  viewersStalled: number;
  /** Frames per second published, over the last two seconds. */
  fps: number;
  width: number;
  height: number;
}

/** What the `log` callbacks and the `viewer` event receive. */
export interface ViewerEvent {
  event: 'connect' | 'leave';
  reason?: LeaveReason;
  kind: ViewerOptions['kind'];
  path: string;
  remote: string;
  viewers: number;
  durationMs?: number;
  bytesSent?: number;
  framesSent?: number;
  framesSkipped?: number;
  /** Audio packets written (`/av`, `/audio.wav`). */
  audioSent?: number;
}

/**
 * What a viewer the hub does not write to itself (a `/ws` subscription) reports, so that
 * `stats`, `/state` and `/metrics` count it like the others. From `MjpegHub.addTransportViewer`.
 */
export interface TransportViewer {
  frameSent(bytes: number): void;
  frameSkipped(): void;
  audioSent(bytes: number): void;
  audioDropped(): void;
  /** It went away: no longer counted as a viewer. Idempotent. */
  leave(): void;
}

/** The format of the latest audio packet (`MjpegHub.audioFormat`). */
export interface AudioFormat {
  type: 'audio/L16' | 'audio/PCMU';
  sampleRate: number;
  channels: number;
}

/** What `MjpegHub.subscribe` calls: a frame (body or pieces, `seq` set) or an audio packet. */
export type PacketListener = (packet: MediaPacket | PiecesMediaPacket) => void;

interface SnapshotWaiter {
  resolve: (frame: MediaPacket | undefined) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The fan-out hub: a source publishes `MediaPacket`s, every viewer gets the newest frame
 * whenever its socket can take one. Each frame is encoded once per layout into one buffer and
 * that same buffer goes to every socket (one `write()`; parts queued together are corked).
 *
 * Per viewer, one frame slot (newest wins): a slow viewer skips frames and never queues
 * them; a viewer whose write is not drained for `stallTimeoutMs` is disconnected. Memory is
 * bounded by viewers × (one frame in flight + one pending + `audioBufferMs` of audio).
 *
 * Events: `active` (first viewer came), `idle` (last one left), `viewer` ({@link ViewerEvent}),
 * `audio` (the first audio packet was published: `hasAudio` is now true; emitted once),
 * `source` (`setSourceState` changed `online`; the new {@link SourceState}),
 * `close` (`close()` was called; emitted once). `close()` ends the hub's life without an
 * `idle`: after it no timer of the hub runs, no event fires, and every listener is removed.
 *
 * @example
 * ```ts
 * const hub = new MjpegHub({ stallTimeoutMs: 5000 });
 * const server = http.createServer(createMjpegHandler(hub));
 * for await (const packet of syntheticCameraSource()) hub.publish(packet);
 * ```
 */
export class MjpegHub extends EventEmitter {
  /** The multipart boundary of every stream this hub serves. */
  readonly boundary: string;
  /** `multipart/x-mixed-replace;boundary=…` */
  readonly contentType: string;
  readonly stallTimeoutMs: number;
  readonly maxViewers: number;
  readonly repeatStillMs: number;
  readonly audioBufferMs: number;
  readonly keepaliveMs: number;
  readonly dropSameFrames: boolean;
  readonly closeTimeoutMs: number;
  readonly #encoders: PartEncoders;
  readonly #viewers = new Set<Viewer>();
  readonly #waiters = new Set<SnapshotWaiter>();
  /** Waits for the first audio packet (`waitForAudio`), each ended by calling it. */
  readonly #audioWaiters = new Set<() => void>();
  /** `subscribe()` listeners: each published frame and audio packet, as published. */
  readonly #listeners = new Set<PacketListener>();
  readonly #startedAt = nowMs();
  readonly #frameRate = new FrameRateMeter();
  readonly #pcmu = new PcmuTranscoder();
  readonly #stats: Omit<MjpegHubStats, 'viewers' | 'fps'> = {
    peakViewers: 0,
    framesPublished: 0,
    framesDroppedSame: 0,
    framesSent: 0,
    framesSkipped: 0,
    framesRepeated: 0,
    audioPacketsPublished: 0,
    audioPacketsSent: 0,
    audioPacketsDropped: 0,
    bytesSent: 0,
    viewersStalled: 0,
    width: 0,
    height: 0,
  };
  #source: SourceState;
  #latest: EncodedPart | undefined;
  /** The frame whose size `stats` shows. */
  #sizedFrame: EncodedPart | undefined;
  #lastVideoAt = 0;
  #seq = 0;
  #audioSeq = 0;
  #pcmuViewers = 0;
  /** Viewers served by a transport outside the hub (`/ws` subscriptions). */
  #transportViewers = 0;
  #audioFormat: AudioFormat | undefined;
  #active = false;
  #tick: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #closeOnAbort = () => void this.close();
  readonly #onActive: (() => void) | undefined;
  readonly #onIdle: (() => void) | undefined;
  readonly #onStatus: LifecycleOptions['onStatus'];

  /** @throws ServerError `INVALID_OPTION` naming an option that cannot work (negative, `Infinity`, a bad boundary). */
  constructor(options: MjpegHubOptions = {}) {
    super();
    checkHubOptions(options);
    this.boundary = options.boundary ?? createBoundary();
    const plain = new MultipartEncoder({ boundary: this.boundary });
    this.#encoders = { plain, legacy: new MultipartEncoder({ boundary: this.boundary, legacy: true }) };
    this.contentType = plain.contentType;
    this.stallTimeoutMs = checkNumberOption(
      'stallTimeoutMs',
      options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      1,
    );
    this.maxViewers = checkNumberOption('maxViewers', options.maxViewers ?? DEFAULT_MAX_VIEWERS, 0);
    this.repeatStillMs = checkNumberOption(
      'repeatStillMs',
      options.repeatStillMs ?? DEFAULT_REPEAT_STILL_MS,
      0,
    );
    this.audioBufferMs = checkNumberOption(
      'audioBufferMs',
      options.audioBufferMs ?? DEFAULT_AUDIO_BUFFER_MS,
      0,
    );
    this.keepaliveMs = checkNumberOption('keepaliveMs', options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS, 0);
    this.closeTimeoutMs = checkNumberOption(
      'closeTimeoutMs',
      options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
      0,
    );
    this.dropSameFrames = options.dropSameFrames ?? false;
    this.#source = { kind: options.sourceKind ?? 'push', online: false };
    this.#onActive = options.onActive;
    this.#onIdle = options.onIdle;
    this.#onStatus = options.onStatus;
    this.#signal = options.signal;
    this.#onStatus?.({ state: 'open' });
    if (this.#signal?.aborted) void this.close();
    else this.#signal?.addEventListener('abort', this.#closeOnAbort, { once: true });
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of connected stream viewers. */
  get viewerCount(): number {
    return this.#viewers.size + this.#transportViewers;
  }

  /**
   * Connected viewers by what they receive (`stream`, `av`, `wav`; `ws` for `/ws`
   * subscriptions), counted when asked (for `/metrics`).
   */
  viewerCountsByKind(): Record<ViewerOptions['kind'] | 'ws', number> {
    const counts: Record<ViewerOptions['kind'] | 'ws', number> = {
      stream: 0,
      av: 0,
      wav: 0,
      ws: this.#transportViewers,
    };
    for (const viewer of this.#viewers) counts[viewer.kind]++;
    return counts;
  }

  /** The type, rate and channels of the latest audio packet, or `undefined` before the first. */
  get audioFormat(): AudioFormat | undefined {
    return this.#audioFormat;
  }

  /**
   * Counts a viewer that a transport outside the hub serves (a `/ws` subscription, fed by
   * `subscribe`): it is in `viewerCount`, `stats`, `/state` and `maxViewers` until `leave()`.
   *
   * @throws ServerError `HUB_CLOSED` after `close()`.
   */
  addTransportViewer(): TransportViewer {
    if (this.#closed) throw new ServerError('HUB_CLOSED', 'the hub is closed');
    const stats = this.#stats;
    this.#transportViewers++;
    stats.peakViewers = Math.max(stats.peakViewers, this.viewerCount);
    let left = false;
    return {
      frameSent: (bytes) => {
        stats.framesSent++;
        stats.bytesSent += bytes;
      },
      frameSkipped: () => {
        stats.framesSkipped++;
      },
      audioSent: (bytes) => {
        stats.audioPacketsSent++;
        stats.bytesSent += bytes;
      },
      audioDropped: () => {
        stats.audioPacketsDropped++;
      },
      leave: () => {
        if (left) return;
        left = true;
        this.#transportViewers--;
      },
    };
  }

  /** Whether a viewer (or a snapshot wait) is present: a lazy source should run. */
  get active(): boolean {
    return this.#active;
  }

  /** The latest frame, or `undefined` before the first. */
  get latestFrame(): MediaPacket | undefined {
    return this.#latest?.packet;
  }

  /** When the latest frame arrived (epoch ms), or `undefined`. */
  get latestFrameAt(): number | undefined {
    return this.#latest?.publishedAt;
  }

  /** Whether an audio packet was ever published (the `audio` event marks the first). */
  get hasAudio(): boolean {
    return this.#stats.audioPacketsPublished > 0;
  }

  /** The source's health as `/state` shows it. */
  get source(): SourceState {
    return { ...this.#source };
  }

  /**
   * Updates the source's health (`online`, `error`, `kind`) for `/state`; emits `source` (the
   * new state) when `online` changes.
   */
  setSourceState(state: Partial<SourceState>): void {
    const next: SourceState = { ...this.#source, ...state };
    if (state.online === true && !('error' in state)) delete next.error;
    if (next.error === undefined) delete next.error;
    const changed = next.online !== this.#source.online;
    this.#source = next;
    if (changed && !this.#closed) this.emit('source', this.source);
  }

  /** Live counters. */
  get stats(): MjpegHubStats {
    this.#readLatestSize();
    return { ...this.#stats, viewers: this.viewerCount, fps: this.#frameRate.rate(nowMs()) };
  }

  /** The `/state` document. */
  getState(): HubState {
    this.#readLatestSize();
    return {
      source: this.source,
      fps: Math.round(this.#frameRate.rate(nowMs()) * 10) / 10,
      resolution: { width: this.#stats.width, height: this.#stats.height },
      viewers: this.viewerCount,
      bytesSent: this.#stats.bytesSent,
      uptimeSeconds: Math.round((nowMs() - this.#startedAt) / 100) / 10,
    };
  }

  /**
   * Publishes a frame (`image/jpeg`) or an audio packet (`audio/L16`, `audio/PCMU`). The
   * body is kept by reference and must not be modified afterwards. Ignored after `close()`.
   *
   * A body may come as pieces (`PiecesMediaPacket`, e.g. from `openStream(url, { bodies:
   * 'pieces' })`): a frame's pieces are copied once, straight into the bytes each viewer layout
   * is sent, and joined into one `body` only if something needs it (`latestFrame`, a snapshot,
   * the size in `/state`), once. The pieces must stay unmodified while the frame is the latest.
   */
  publish(packet: MediaPacket | PiecesMediaPacket): void {
    if (this.#closed) return;
    if (packet.type === 'image/jpeg') this.#publishFrame(packet);
    else this.#publishAudio(packet);
  }

  /**
   * The latest frame if it arrived at most `maxDelayMs` ago; else waits up to `timeoutMs`
   * for the next one, then gives the newest it has (`undefined` only if none ever came).
   * Aborting `signal` ends the wait at once with the newest frame, and the wait no longer
   * counts as activity (a snapshot request that went away must not keep a lazy source running).
   */
  waitForFrame(
    maxDelayMs: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<MediaPacket | undefined> {
    const latest = this.#latest;
    if (
      this.#closed ||
      signal?.aborted === true ||
      (latest !== undefined && nowMs() - latest.publishedAt <= maxDelayMs)
    ) {
      return Promise.resolve(latest?.packet);
    }
    return new Promise((resolve) => {
      const cancel = () => {
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
        this.#updateActive();
        resolve(this.#latest?.packet);
      };
      const waiter: SnapshotWaiter = {
        resolve: (packet) => {
          signal?.removeEventListener('abort', cancel);
          resolve(packet);
        },
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          this.#updateActive();
          waiter.resolve(this.#latest?.packet);
        }, timeoutMs),
      };
      signal?.addEventListener('abort', cancel, { once: true });
      this.#waiters.add(waiter);
      this.#updateActive();
    });
  }

  /**
   * Resolves `true` once an audio packet has been published (at once if one has), `false`
   * after `timeoutMs`, when `signal` aborts or the hub closes. While it waits it counts as
   * activity, as a snapshot wait does, so a lazy audio source (`runSource` with
   * `idleStopMs`) is started for a listener that came before any audio.
   */
  waitForAudio(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.hasAudio) return Promise.resolve(true);
    if (this.#closed || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        this.#audioWaiters.delete(finish);
        this.#updateActive();
        resolve(this.hasAudio);
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish, { once: true });
      this.#audioWaiters.add(finish);
      this.#updateActive();
    });
  }

  /**
   * Calls `listener` with every frame the hub accepts (after `dropSameFrames`, with its `seq`)
   * and every audio packet, as published (a body, or pieces: never modify them), until the
   * returned function is called or the hub closes. A listener counts as activity, as a viewer
   * does, so a lazy source runs for it; it must not throw, and must not block (queue, don't wait).
   * The `/ws` transport and the NATS publisher are built on this.
   */
  subscribe(listener: PacketListener): () => void {
    if (this.#closed) return () => {};
    this.#listeners.add(listener);
    this.#updateActive();
    return () => {
      if (this.#listeners.delete(listener)) this.#updateActive();
    };
  }

  /** Whether one more viewer fits under `maxViewers` (and the hub is open). */
  canAccept(): boolean {
    return !this.#closed && this.viewerCount < this.maxViewers;
  }

  /**
   * Attaches a sink whose HTTP response head is already written: the `net.Socket` of an
   * HTTP/1.x response, or the `Http2Stream` of an HTTP/2 one (with `chunked: false`, since
   * HTTP/2 frames the body itself). The hub writes the body (opening line, then the latest
   * frame at once) and ends it on `close()`. Used by `createMjpegHandler`; call it directly
   * only to serve from your own HTTP stack.
   *
   * @throws ServerError `HUB_CLOSED` after `close()`.
   */
  addViewer(sink: ViewerSink, options: ViewerOptions): Viewer {
    if (this.#closed) throw new ServerError('HUB_CLOSED', 'the hub is closed');
    let layout = options.chunked ? LAYOUT_CHUNKED : 0;
    if (options.legacy) layout |= LAYOUT_LEGACY;
    if (options.advanceHeaders && options.kind === 'stream') layout |= LAYOUT_ADVANCE;
    const now = nowMs();
    const viewer = new Viewer(sink, options, layout, now);
    viewer.onFlushed = (error) => {
      viewer.busySince = -1;
      if (error) this.#leave(viewer, 'done');
      else this.#flush(viewer);
    };
    if (options.kind !== 'wav') {
      const encoder = this.#encoders.plain;
      const opening = layout & LAYOUT_ADVANCE ? encoder.advanceOpening(now) : encoder.opening;
      viewer.preamble = this.#applyChunkFraming(viewer, [opening]);
      viewer.pendingFrame = this.#latest;
    }
    if (options.audio === 'pcmu' && options.kind === 'av') this.#pcmuViewers++;
    // An HTTP/2 stream shares its connection's socket with other streams: TCP options are the
    // session's business there, not one viewer's.
    if (sink instanceof Socket) {
      sink.setNoDelay(true);
      if (this.keepaliveMs > 0) sink.setKeepAlive(true, this.keepaliveMs);
    }
    sink.on('error', () => this.#leave(viewer, 'done'));
    sink.once('close', () => this.#leave(viewer, 'done'));
    this.#viewers.add(viewer);
    this.#stats.peakViewers = Math.max(this.#stats.peakViewers, this.viewerCount);
    this.#emitViewer(viewer, 'connect');
    this.#updateActive();
    this.#startTick();
    this.#flush(viewer);
    return viewer;
  }

  /**
   * Ends every stream cleanly (the last chunk on HTTP/1.1, FIN on HTTP/1.0), waits up to
   * `closeTimeoutMs` for the sockets to close, destroys the rest, and resolves. Idempotent.
   *
   * Emits `close` and the viewers' `leave` events, never `idle` (an `idle` listener would arm
   * an idle-stop timer after shutdown), then removes every listener; `runSource` runs stop
   * on `close`. Nothing of the hub runs afterwards: no tick, no snapshot wait, no event.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    // Not active any more, silently: shutdown is no reason to start or stop a source.
    this.#active = false;
    this.#signal?.removeEventListener('abort', this.#closeOnAbort);
    this.#stopTick();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.#latest?.packet);
    }
    this.#waiters.clear();
    for (const finish of [...this.#audioWaiters]) finish();
    const sinks = [...this.#viewers].map((viewer) => viewer.sink);
    for (const viewer of [...this.#viewers]) this.#leave(viewer, 'shutdown');
    this.#listeners.clear();
    this.emit('close');
    this.removeAllListeners();
    this.#closing = Promise.all(sinks.map((sink) => this.#whenClosed(sink))).then(() => {
      this.#onStatus?.({ state: 'closed' });
    });
    return this.#closing;
  }

  #whenClosed(sink: ViewerSink): Promise<void> {
    if (sink.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => sink.destroy(), this.closeTimeoutMs);
      timer.unref?.();
      sink.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #publishFrame(packet: MediaPacket | PiecesMediaPacket): void {
    const now = nowMs();
    const latest = this.#latest;
    if (this.dropSameFrames && latest !== undefined && sameBody(latest, packet)) {
      this.#stats.framesDroppedSame++;
      // A still scene: WebKit shows a part only once the next begins, so dual-final viewers
      // get the last frame once more (ustreamer's dual_final_frames).
      for (const viewer of this.#viewers) {
        if (viewer.options.dualFinalFrames && viewer.lastFrame === latest && !viewer.dualSent) {
          viewer.dualSent = true;
          viewer.pendingFrame ??= latest;
          this.#flush(viewer);
        }
      }
      return;
    }
    const seq = packet.seq ?? ++this.#seq;
    if (packet.seq !== undefined) this.#seq = packet.seq;
    // One object with its seq for the listeners and `latestFrame`: what /ws builds per packet
    // (once, keyed on it) serves the first frame after a subscribe too.
    const numbered = packet.seq === seq ? packet : { ...packet, seq };
    const frame = new EncodedPart(numbered, seq, now, this.#encoders);
    this.#latest = frame;
    this.#notify(numbered);
    this.#lastVideoAt = now;
    this.#stats.framesPublished++;
    this.#frameRate.add(now);
    if (this.#waiters.size > 0) {
      for (const waiter of this.#waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(frame.packet);
      }
      this.#waiters.clear();
      this.#updateActive();
    }
    for (const viewer of this.#viewers) {
      if (viewer.kind === 'wav') continue;
      if (viewer.pendingFrame !== undefined && viewer.pendingFrame !== viewer.lastFrame) {
        viewer.framesSkipped++;
        this.#stats.framesSkipped++;
      }
      viewer.pendingFrame = frame;
      this.#flush(viewer);
    }
  }

  #publishAudio(published: MediaPacket | PiecesMediaPacket): void {
    const now = nowMs();
    // Audio is read sample by sample (WAV, µ-law): small bodies, joined here when in pieces.
    const packet = withBody(published);
    const seq = packet.seq ?? ++this.#audioSeq;
    const item = new AudioItem(packet, seq, now, this.#encoders);
    this.#stats.audioPacketsPublished++;
    this.#noteAudioFormat(item);
    this.#notify(packet.seq === seq ? packet : { ...packet, seq });
    if (this.#pcmuViewers > 0) item.pcmu = this.#toPcmu(item);
    else this.#pcmu.reset();
    for (const viewer of this.#viewers) {
      if (viewer.kind === 'stream') continue;
      viewer.audio.push(item);
      viewer.audioMs += item.durationMs;
      // Oldest first, but never the packet just queued.
      while (viewer.audioMs > this.audioBufferMs && viewer.audio.length > 1) {
        const dropped = viewer.audio.shift()!;
        viewer.audioMs -= dropped.durationMs;
        this.#stats.audioPacketsDropped++;
      }
      this.#flush(viewer);
    }
    if (this.#stats.audioPacketsPublished === 1) {
      for (const finish of [...this.#audioWaiters]) finish();
      this.emit('audio');
    }
  }

  /**
   * Width and height of the latest frame, read when asked (`stats`, `/state`), not on every
   * publish; a frame the scanner cannot read leaves the last size.
   */
  #readLatestSize(): void {
    const latest = this.#latest;
    if (latest === this.#sizedFrame || latest === undefined) return;
    this.#sizedFrame = latest;
    const size = readFrameSize(latest);
    if (size === undefined) return;
    this.#stats.width = size.width;
    this.#stats.height = size.height;
  }

  #noteAudioFormat(item: AudioItem): void {
    const format = this.#audioFormat;
    const type = item.packet.type === 'audio/PCMU' ? 'audio/PCMU' : 'audio/L16';
    if (format?.type === type && format.sampleRate === item.sampleRate && format.channels === item.channels)
      return;
    this.#audioFormat = { type, sampleRate: item.sampleRate, channels: item.channels };
  }

  /** The item's 8 kHz mono µ-law part, converted in publish order (the transcoder keeps state). */
  #toPcmu(item: AudioItem): EncodedPart {
    const pcmu: MediaPacket = {
      type: 'audio/PCMU',
      body: this.#pcmu.transcode(item.packet, item.sampleRate, item.channels),
      timestamp: item.timestamp,
      sampleRate: PCMU_RATE_HZ,
      channels: 1,
    };
    return new EncodedPart(pcmu, item.seq, item.publishedAt, this.#encoders);
  }

  /** Writes what a viewer is owed, if its socket has taken everything written before. */
  #flush(viewer: Viewer): void {
    if (viewer.closed || viewer.busySince >= 0) return;
    const now = nowMs();
    let frame = viewer.pendingFrame;
    if (frame !== undefined && viewer.minFrameIntervalMs > 0) {
      const waitMs = viewer.lastFrameAt + viewer.minFrameIntervalMs - now;
      if (waitMs > 0) {
        frame = undefined;
        if (viewer.fpsTimer === undefined) {
          viewer.fpsTimer = setTimeout(() => {
            viewer.fpsTimer = undefined;
            this.#flush(viewer);
          }, waitMs);
        }
      }
    }
    const chunks: Buffer[] = [];
    if (viewer.preamble !== undefined) {
      for (const piece of viewer.preamble) chunks.push(piece);
      viewer.preamble = undefined;
    }
    const audio = viewer.audio;
    if (viewer.kind === 'wav') {
      if (audio.length > 0 && !viewer.wavHeaderSent) {
        const first = audio[0]!;
        const header = createWavHeader(first.sampleRate, first.channels);
        for (const piece of this.#applyChunkFraming(viewer, [header])) chunks.push(piece);
        viewer.wavHeaderSent = true;
      }
      for (const item of audio) for (const piece of item.wav(viewer.options.chunked)) chunks.push(piece);
    } else {
      const pcmu = viewer.options.audio === 'pcmu';
      for (const item of audio) {
        if (frame !== undefined && frame.timestamp <= item.timestamp) {
          this.#pushFrame(viewer, frame, chunks, now);
          frame = undefined;
        }
        const part = pcmu ? item.pcmu : item.l16;
        if (part !== undefined) chunks.push(part.wire(viewer.layout));
      }
      if (frame !== undefined) this.#pushFrame(viewer, frame, chunks, now);
    }
    if (audio.length > 0) {
      viewer.audioSent += audio.length;
      this.#stats.audioPacketsSent += audio.length;
      viewer.audio = [];
      viewer.audioMs = 0;
    }
    if (chunks.length === 0) return;
    this.#write(viewer, chunks, now);
  }

  #pushFrame(viewer: Viewer, frame: EncodedPart, chunks: Buffer[], now: number): void {
    chunks.push(frame.wire(viewer.layout));
    if (frame !== viewer.lastFrame) viewer.dualSent = false;
    viewer.pendingFrame = undefined;
    viewer.lastFrame = frame;
    viewer.lastFrameAt = now;
    viewer.framesSent++;
    this.#stats.framesSent++;
  }

  #write(viewer: Viewer, chunks: Buffer[], now: number): void {
    const sink = viewer.sink;
    viewer.busySince = now;
    // Usually one frame: a single write. Several pieces (opening line, audio parts) are corked.
    const last = chunks.length - 1;
    if (last > 0) sink.cork();
    let bytes = 0;
    for (let i = 0; i < last; i++) {
      bytes += chunks[i]!.length;
      sink.write(chunks[i]!);
    }
    bytes += chunks[last]!.length;
    sink.write(chunks[last]!, viewer.onFlushed);
    if (last > 0) sink.uncork();
    viewer.bytesSent += bytes;
    this.#stats.bytesSent += bytes;
  }

  /**
   * Chunk framing for one viewer: `pieces` as one HTTP/1.1 chunk, or as they are on HTTP/1.0.
   * Only for the bytes written once per viewer (the opening line, the WAV header); shared
   * parts carry their framing already.
   */
  #applyChunkFraming(viewer: Viewer, pieces: Uint8Array[]): Buffer[] {
    return (viewer.options.chunked ? encodeChunk(pieces) : pieces).map(asBuffer);
  }

  #leave(viewer: Viewer, reason: LeaveReason): void {
    if (viewer.closed) return;
    viewer.closed = true;
    this.#viewers.delete(viewer);
    if (viewer.fpsTimer !== undefined) clearTimeout(viewer.fpsTimer);
    if (viewer.options.audio === 'pcmu' && viewer.kind === 'av') this.#pcmuViewers--;
    viewer.pendingFrame = undefined;
    viewer.audio = [];
    // On HTTP/2 the sink is one stream: destroying it resets that stream alone (RST_STREAM),
    // and ending it sends END_STREAM; the connection and its other streams go on.
    const sink = viewer.sink;
    if (reason === 'stalled') {
      this.#stats.viewersStalled++;
      sink.destroy();
    } else if (reason === 'shutdown' && !sink.destroyed) {
      // End the body as HTTP says: the last chunk on HTTP/1.1, FIN on HTTP/1.0, END_STREAM on HTTP/2.
      if (viewer.options.chunked) sink.write(LAST_CHUNK);
      sink.end();
    } else if (!sink.destroyed) {
      sink.destroy();
    }
    this.#emitViewer(viewer, 'leave', reason);
    this.#updateActive();
    if (this.#viewers.size === 0) this.#stopTick();
  }

  #emitViewer(viewer: Viewer, event: 'connect' | 'leave', reason?: LeaveReason): void {
    const onEvent = viewer.options.onEvent;
    if (onEvent === undefined && this.listenerCount('viewer') === 0) return;
    const detail: ViewerEvent = {
      event,
      kind: viewer.kind,
      path: viewer.options.path ?? '',
      remote: viewer.options.remote ?? '',
      viewers: this.#viewers.size,
    };
    if (event === 'leave') {
      detail.reason = reason;
      detail.durationMs = nowMs() - viewer.connectedAt;
      detail.bytesSent = viewer.bytesSent;
      detail.framesSent = viewer.framesSent;
      detail.framesSkipped = viewer.framesSkipped;
      detail.audioSent = viewer.audioSent;
    }
    onEvent?.(detail);
    this.emit('viewer', detail);
  }

  #notify(packet: MediaPacket | PiecesMediaPacket): void {
    for (const listener of this.#listeners) listener(packet);
  }

  #updateActive(): void {
    if (this.#closed) return;
    const active =
      this.#viewers.size > 0 ||
      this.#listeners.size > 0 ||
      this.#waiters.size > 0 ||
      this.#audioWaiters.size > 0;
    if (active === this.#active) return;
    this.#active = active;
    if (active) {
      this.#onActive?.();
      this.emit('active');
    } else {
      this.#onIdle?.();
      this.emit('idle');
    }
  }

  #startTick(): void {
    if (this.#tick !== undefined) return;
    const periods = [this.stallTimeoutMs, 1000];
    if (this.repeatStillMs > 0) periods.push(this.repeatStillMs);
    const periodMs = Math.max(10, Math.min(...periods) / 4);
    this.#tick = setInterval(() => this.#onTick(), periodMs);
    this.#tick.unref?.();
  }

  #stopTick(): void {
    if (this.#tick === undefined) return;
    clearInterval(this.#tick);
    this.#tick = undefined;
  }

  #onTick(): void {
    const now = nowMs();
    this.#dropStalledViewers(now);
    this.#repeatStillFrame(now);
  }

  /** Disconnects every viewer whose write has not drained for `stallTimeoutMs`. */
  #dropStalledViewers(now: number): void {
    for (const viewer of this.#viewers) {
      if (viewer.busySince >= 0 && now - viewer.busySince > this.stallTimeoutMs)
        this.#leave(viewer, 'stalled');
    }
  }

  /**
   * A still scene (no frame for `repeatStillMs`): `/stream` viewers that got nothing for that
   * long get the latest frame again, so a client with a read timeout keeps the connection.
   */
  #repeatStillFrame(now: number): void {
    const latest = this.#latest;
    if (latest === undefined || this.repeatStillMs === 0 || now - this.#lastVideoAt < this.repeatStillMs)
      return;
    this.#lastVideoAt = now;
    for (const viewer of this.#viewers) {
      if (viewer.kind !== 'stream' || viewer.pendingFrame !== undefined) continue;
      if (now - viewer.lastFrameAt < this.repeatStillMs) continue;
      viewer.pendingFrame = latest;
      this.#stats.framesRepeated++;
      this.#flush(viewer);
    }
  }
}

/** Byte equality through Node's memcmp; pieces are joined only when the lengths match. */
function sameBody(latest: EncodedPart, packet: MediaPacket | PiecesMediaPacket): boolean {
  const length = 'pieces' in packet ? packet.bodyLength : packet.body.length;
  if (latest.bodyLength !== length) return false;
  return Buffer.compare(asBuffer(latest.packet.body), asBuffer(contiguousBody(packet))) === 0;
}

/** The packet with one `body` (a single piece is not copied). */
function withBody(packet: MediaPacket | PiecesMediaPacket): MediaPacket {
  if (!('pieces' in packet)) return packet;
  const { pieces: _pieces, bodyLength: _bodyLength, ...fields } = packet;
  return { ...fields, body: contiguousBody(packet) };
}

/**
 * Width and height for `/state`; a frame the scanner cannot read leaves them as they were. The
 * frame header sits near the start, so a frame in pieces is read from its first piece when it
 * holds it, and joined only when not.
 */
function readFrameSize(frame: EncodedPart): { width: number; height: number } | undefined {
  const published = frame.published;
  if ('pieces' in published && published.pieces.length > 1) {
    try {
      return readJpegInfo(published.pieces[0]!);
    } catch {
      // The frame header is past the first piece: read the joined body.
    }
  }
  try {
    return readJpegInfo(frame.packet.body);
  } catch {
    return undefined;
  }
}
