import type { PartHeaders } from './part-headers.js';

/** The media types that travel through mjpeg-kit. */
export type MediaType = 'image/jpeg' | 'audio/L16' | 'audio/PCMU';

/**
 * One frame or audio packet: the shape every source yields, the hub publishes and the
 * client returns. Audio bodies are big-endian L16 (RFC 2586) or G.711 µ-law bytes.
 */
export interface MediaPacket {
  type: MediaType;
  body: Uint8Array;
  /** Milliseconds since the Unix epoch; for audio, the instant of the first sample. */
  timestamp: number;
  /** Sequence number, sent as `X-Frame-Seq`, so a viewer can count what it missed. */
  seq?: number;
  /** Audio only: samples per second per channel. */
  sampleRate?: number;
  /** Audio only: interleaved channel count. */
  channels?: number;
  /** Part headers as received, when the packet came from a multipart stream. */
  headers?: PartHeaders;
}

/**
 * What every source returns (`syntheticCamera`, `serialCamera`, `execSource`, …): an async
 * generator of packets with live `stats` of the source's own shape `S`.
 */
export type PacketSource<S> = AsyncGenerator<MediaPacket, void, undefined> & { readonly stats: S };

/** Connection states reported by sources, the client and the hub. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What `onStatus` callbacks receive. */
export interface StatusEvent {
  state: ConnectionState;
  /** Reconnect attempt, from 1. */
  attempt?: number;
  /** Delay before the next attempt. */
  delayMs?: number;
  error?: Error;
}

/** Options every source, the client and the hub accept. */
export interface LifecycleOptions {
  signal?: AbortSignal;
  onStatus?: (event: StatusEvent) => void;
}

/**
 * Now, in epoch milliseconds, from the monotonic clock (`performance.timeOrigin +
 * performance.now()`), so timestamps are comparable across processes on one host and
 * never step backwards with wall-clock adjustments.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** An `X-Timestamp` value: epoch seconds with 6 decimals (ustreamer's format). */
export function formatTimestamp(timestampMs: number): string {
  return (timestampMs / 1000).toFixed(6);
}

/** Parses an `X-Timestamp` value into epoch milliseconds, or `undefined`. */
export function parseTimestamp(value: string | null | undefined): number | undefined {
  if (value == null) return undefined;
  const seconds = Number.parseFloat(value);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}
