import type { MediaPacket, PiecesMediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import type { OpenStreamOptions, WebSocketConstructor } from '../index.js';
import type { AudioOutputOptions, AudioStats } from './audio-output.js';
import type { DecoderKind } from './decoders.js';
import type { PlayerTransport } from './ws-transport.js';

/** Default ceiling on how long a decoded picture is held back to match the audio, ms. */
export const DEFAULT_MAX_AV_DELAY_MS = 300;
/** Default interval of `stats` events, ms. */
export const DEFAULT_STATS_INTERVAL_MS = 500;

/** What the player is doing. */
export type PlayerState = 'connecting' | 'playing' | 'paused' | 'hidden' | 'error' | 'destroyed';

/** The parts of the client's live `stats` the player reads. */
export interface ClientStatsLike {
  fps?: number;
  bitrateBps?: number;
  framesDropped?: number;
  latencyMs?: number | undefined;
  parser?: 'multipart' | 'jpeg-scan' | 'img' | undefined;
  /** The path the stream took (`undefined`: `'av'`). */
  transport?: 'ws' | 'av' | undefined;
}

/**
 * What {@link MjpegPlayerOptions.openStream} must return: packets, with live stats. Bodies may
 * come either way: pieces (what the player asks for) or one `body`.
 */
export type PacketStream = AsyncIterable<MediaPacket | PiecesMediaPacket> & {
  readonly stats: ClientStatsLike;
};

/**
 * Options the player passes to `openStream`: its own `signal` and `onStatus`, `bodies: 'pieces'`
 * (frames go to the decoder as `new Blob(pieces)`, never copied), plus the pass-throughs.
 */
export type PlayerStreamOptions = OpenStreamOptions<'pieces'> & {
  signal: AbortSignal;
  onStatus: (event: StatusEvent) => void;
};

/** Details of one drawn frame, for {@link MjpegPlayerOptions.onFrame}. */
export interface DrawnFrameInfo {
  /** The frame's `X-Timestamp` (epoch ms). */
  timestamp: number;
  seq: number | undefined;
  /** When it was drawn (epoch ms, same clock as `timestamp`). */
  drawnAt: number;
  width: number;
  height: number;
  /** Time spent decoding, ms. */
  decodeMs: number;
}

/** Options of {@link MjpegPlayer}. */
export interface MjpegPlayerOptions {
  /** The stream: any MJPEG URL; an mjpeg-kit server's `/av` adds audio. */
  url: string | URL;
  /** Start playing at once (default true). */
  autoplay?: boolean;
  /** Decoder; `auto` (default) takes the first of {@link getAvailableDecoders}. */
  decoder?: DecoderKind | 'auto';
  /** Abort the fetch while the page is hidden and reconnect when shown (default true). */
  pauseWhenHidden?: boolean;
  /** Passed to `openStream`. */
  headers?: HeadersInit;
  /** Passed to `openStream` (a custom fetch, e.g. with credentials). */
  fetch?: typeof fetch;
  /** Passed to `openStream` (default on: 500 ms to 10 s backoff with jitter). */
  reconnect?: OpenStreamOptions['reconnect'];
  /** Passed to `openStream` (default 10 s). */
  idleTimeoutMs?: number;
  /** Audio jitter buffer, ms (default 80). */
  jitterBufferMs?: number;
  /** Ceiling of buffered audio before the oldest is dropped, ms (default 240). */
  maxAudioBufferMs?: number;
  /** Longest a picture is held back to match the audio, ms (default {@link DEFAULT_MAX_AV_DELAY_MS}). */
  maxAvDelayMs?: number;
  /** Interval of `stats` events and `onStats` calls, ms (default {@link DEFAULT_STATS_INTERVAL_MS}). */
  statsIntervalMs?: number;
  /** Called with the client's status events (connecting, open, reconnecting with the error, closed). */
  onStatus?: (event: StatusEvent) => void;
  /** Called when {@link MjpegPlayer.state} changes. */
  onState?: (state: PlayerState) => void;
  /** Called every `statsIntervalMs` while a stream runs. */
  onStats?: (stats: PlayerStats) => void;
  /** Called after every drawn frame (latency measurements, tests). Keep it cheap. */
  onFrame?: (info: DrawnFrameInfo) => void;
  /**
   * `auto` (default): for an mjpeg-kit URL (`…/av`, `…/cams/NAME/av|stream`, or with `wsUrl`) try
   * the server's `/ws` first and fall back to the URL over fetch when no `hello` comes within
   * `wsOpenTimeoutMs`, then to `<img>` as before; other URLs, and pages passing `headers` or `fetch`,
   * go straight to fetch. `ws`: `/ws` only. `av`: the URL over fetch only (then `<img>` where the
   * browser needs it). `img`: a plain `<img>` of the URL. `stats.transport` says which plays.
   */
  transport?: PlayerTransport;
  /** The `/ws` endpoint, when it cannot be derived from `url`. */
  wsUrl?: string | URL;
  /** The camera to ask `/ws` for (default: the one in `url`'s `/cams/NAME/`, else the server's first). */
  camera?: string;
  /** How long `auto` waits for `/ws` to say `hello` before falling back, ms (default 3000). */
  wsOpenTimeoutMs?: number;
  /** The WebSocket constructor (default: the global one). */
  WebSocket?: WebSocketConstructor;
  /** Replaces `openStream` and the transport choice (tests, custom transports). */
  openStream?: (url: string, options: PlayerStreamOptions) => PacketStream;
  /** Audio path options. */
  audio?: Pick<AudioOutputOptions, 'forceScriptProcessor'>;
}

/** Live counters: the client's, the player's, and the audio's once enabled. */
export interface PlayerStats {
  /** Frames per second arriving (the client's count). */
  fps: number;
  bitrateBps: number;
  /** Frames the client saw missing from `X-Frame-Seq`. */
  framesDropped: number;
  /** Latency from `X-Timestamp` to arrival, ms (the client's), when the server sends it. */
  latencyMs: number | undefined;
  /** The client's parser path, or `img` in fallback mode (`undefined` over `/ws`). */
  parser: 'multipart' | 'jpeg-scan' | 'img' | undefined;
  /** The path playing: `ws` (the server's `/ws`), `av` (the URL over fetch), `img` (a plain `<img>`). */
  transport: 'ws' | 'av' | 'img';
  decoder: DecoderKind;
  /** Frames drawn per second over the last second. */
  drawFps: number;
  framesDecoded: number;
  framesDrawn: number;
  /**
   * Frames decoded or waiting to decode that were never drawn: replaced by a newer one before the
   * paint that would show them, or the oldest held for their sound past the queue's bound.
   */
  framesSkipped: number;
  decodeErrors: number;
  width: number;
  height: number;
  /** Mean decode time over the last second, ms. */
  decodeMs: number;
  /** `X-Timestamp` to draw for the last frame, ms. */
  drawLatencyMs: number | undefined;
  /** How long the last frame was held back to match the audio, ms. */
  avDelayMs: number;
  audio: AudioStats | undefined;
}
