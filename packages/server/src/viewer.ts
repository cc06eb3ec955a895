import type { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import type { AudioItem } from './audio-item.js';
import type { EncodedPart } from './encoded-part.js';
import type { ViewerEvent } from './hub.js';

/** What a viewer receives: `/stream` (video parts), `/av` (video and audio parts) or `/audio.wav`. */
export type ViewerKind = 'stream' | 'av' | 'wav';

/** Why a viewer left: it went away or its stream ended (`done`), it stopped reading (`stalled`), the hub closed (`shutdown`). */
export type LeaveReason = 'done' | 'stalled' | 'shutdown';

/**
 * Where a viewer's bytes go: the response's `net.Socket` on HTTP/1.x, its `Http2Stream` on
 * HTTP/2 (`res.stream`). The hub needs only what both give: `write` with a callback once the
 * bytes are taken (the kernel on a socket; the connection, within the stream's flow-control
 * window, on HTTP/2), `cork`/`uncork`, `end`, `destroy`, and the `close` and `error` events.
 * TCP options (no delay, keep-alive) are set only where the sink is a socket.
 */
export type ViewerSink = Duplex;

/** Per-viewer choices, from the request's query string. */
export interface ViewerOptions {
  kind: ViewerKind;
  /**
   * HTTP/1.1 chunked framing; else the raw part bytes (HTTP/1.0, whose body ends with the
   * connection, and HTTP/2, whose DATA frames carry the parts and whose stream ends with
   * END_STREAM).
   */
  chunked: boolean;
  /** `?legacy=1`: `Content-Size` beside `Content-Length`. */
  legacy?: boolean;
  /** `?advance_headers=1`: the next part's headers right after each tail (`/stream` only). */
  advanceHeaders?: boolean;
  /** `?dual_final_frames=1`: the last frame before a pause is sent twice. */
  dualFinalFrames?: boolean;
  /** `?fps=N`: at most N frames per second to this viewer. */
  fps?: number;
  /** `?audio=pcmu` on `/av`: G.711 µ-law at 8 kHz instead of L16. */
  audio?: 'l16' | 'pcmu';
  /** For log lines: the request path and the peer address. */
  path?: string;
  remote?: string;
  /**
   * Called with this viewer's connect and leave events, before the hub's `viewer` event: a
   * handler logs its own viewers without a listener on the hub that would outlive it.
   */
  onEvent?: (event: ViewerEvent) => void;
}

/**
 * One connected viewer: a sink (socket or HTTP/2 stream) whose response headers are sent, and
 * the little state the hub keeps for it. It never owns frame bytes: `pendingFrame` and `lastFrame` point at the
 * shared encoded frames, and `audio` at shared audio items, at most `audioBufferMs` of them.
 */
export class Viewer {
  readonly sink: ViewerSink;
  readonly options: ViewerOptions;
  readonly kind: ViewerKind;
  /** Layout bits of the multipart parts this viewer gets (`LAYOUT_*`). */
  readonly layout: number;
  readonly minFrameIntervalMs: number;
  readonly connectedAt: number;
  /** Bytes written once before anything else (the opening line; the WAV header). */
  preamble: Buffer[] | undefined;
  /** The newest frame not yet sent: newest wins, an older one is skipped. */
  pendingFrame: EncodedPart | undefined;
  /** The last frame written, and when. */
  lastFrame: EncodedPart | undefined;
  lastFrameAt = Number.NEGATIVE_INFINITY;
  /** Whether `lastFrame` has been sent twice (`?dual_final_frames=1`). */
  dualSent = false;
  /** Audio not yet written, oldest first, and its total duration. */
  audio: AudioItem[] = [];
  audioMs = 0;
  /** Whether the WAV header went out (`/audio.wav` waits for the first packet to know the format). */
  wavHeaderSent = false;
  /** When the write in flight began, or -1 when the sink has taken everything. */
  busySince = -1;
  fpsTimer: ReturnType<typeof setTimeout> | undefined;
  closed = false;
  bytesSent = 0;
  framesSent = 0;
  framesSkipped = 0;
  audioSent = 0;
  /** Called by the sink when the write in flight has been taken (by the kernel, or the HTTP/2 connection). */
  onFlushed: (error?: Error | null) => void = () => {};

  constructor(sink: ViewerSink, options: ViewerOptions, layout: number, connectedAt: number) {
    this.sink = sink;
    this.options = options;
    this.kind = options.kind;
    this.layout = layout;
    this.minFrameIntervalMs = options.fps !== undefined && options.fps > 0 ? 1000 / options.fps : 0;
    this.connectedAt = connectedAt;
  }

  /** @deprecated The same object as `sink` (a `net.Socket` on HTTP/1.x, an `Http2Stream` on HTTP/2). */
  get socket(): ViewerSink {
    return this.sink;
  }
}
