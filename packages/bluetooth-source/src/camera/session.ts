import { readJpegInfo } from '@mjpeg-kit/jpeg-scanner';
import { checkNumberOption } from '../options.js';

/** How a camera on a serial link delivers frames. */
export type CameraMode = 'stream' | 'vc0706' | 'ov528';

/** Default per-reply timeout of the command protocols, ms (transfer time is added). */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Default retries of a command whose reply was lost or garbled. */
export const DEFAULT_RETRIES = 3;
/** Default largest frame a camera may announce or send: 2 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 2 * 1024 * 1024;
/** Default time a stream camera may stay silent before the link counts as stalled, ms. */
export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;

/** The longest delay a timer honours, ms (2³¹ − 1): a longer one, or `Infinity`, fires at once. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * Checks the shared session options that are given (each is finite: `Infinity` would make a
 * timer fire at once or a size limit mean nothing).
 *
 * @throws SourceError `INVALID_OPTION` naming the option.
 */
export function checkSessionOptions(options: CameraSessionOptions): void {
  const { baudRate, timeoutMs, retries, maxFrameBytes, idleTimeoutMs, intervalMs } = options;
  if (baudRate !== undefined) checkNumberOption('baudRate', baudRate, { min: 1, max: 100_000_000 });
  if (timeoutMs !== undefined) checkNumberOption('timeoutMs', timeoutMs, { min: 0, max: MAX_DELAY_MS });
  if (retries !== undefined) checkNumberOption('retries', retries, { min: 0, max: 1000, integer: true });
  if (maxFrameBytes !== undefined) checkNumberOption('maxFrameBytes', maxFrameBytes, { min: 4 });
  if (idleTimeoutMs !== undefined)
    checkNumberOption('idleTimeoutMs', idleTimeoutMs, { min: 0, max: MAX_DELAY_MS });
  if (intervalMs !== undefined) checkNumberOption('intervalMs', intervalMs, { min: 0, max: MAX_DELAY_MS });
}

/** Options shared by the camera protocols and the sources built on them. */
export interface CameraSessionOptions {
  /** Line rate in bits per second, used for transfer timeouts (default 38400 for vc0706, 115200 otherwise). */
  baudRate?: number;
  /** Wait for a reply, ms, on top of the time its bytes take at `baudRate` (default 1000). */
  timeoutMs?: number;
  /** Resends of a command whose reply was lost or garbled (default 3). */
  retries?: number;
  /** Largest frame accepted, bytes (default 2 MiB); a larger one is refused before it is read. */
  maxFrameBytes?: number;
  /** Stream mode: silence after which the link counts as stalled, ms (default 10 000). */
  idleTimeoutMs?: number;
  /** Command modes: least time between two captures' starts, ms (default 0: as fast as the line allows). */
  intervalMs?: number;
}

/** Live counters of a camera source. */
export interface CameraSourceStats {
  /** Whole frames yielded. */
  frames: number;
  /** Bytes of the frames yielded. */
  bytes: number;
  /** Frames cut by a drop, broken on the line or refused (never yielded). */
  droppedFrames: number;
  /** Bytes skipped outside frames (stream mode noise, resynchronisation). */
  skippedBytes: number;
  /** Commands or packages sent again after a timeout, a bad reply or a bad checksum. */
  retries: number;
  /** Replies that did not come in time. */
  timeouts: number;
  /** Times the link was opened again after a failure. */
  reconnects: number;
  /** Whether the link is open and the camera answered. */
  online: boolean;
  /** The last failure, if any. */
  lastError: Error | undefined;
}

/** Creates zeroed stats. */
export function createCameraStats(): CameraSourceStats {
  return {
    frames: 0,
    bytes: 0,
    droppedFrames: 0,
    skippedBytes: 0,
    retries: 0,
    timeouts: 0,
    reconnects: 0,
    online: false,
    lastError: undefined,
  };
}

/** A protocol driver over one open link: set the camera up, then take frames. */
export interface CameraSession {
  /** Brings the camera to a state where `next()` works. */
  start(): Promise<void>;
  /**
   * The next whole frame, or `undefined` when one was dropped (counted in stats) and the
   * caller should simply ask again.
   * @throws SourceError when the link or the protocol failed (the source reconnects).
   */
  next(): Promise<Uint8Array | undefined>;
}

/**
 * Whether `frame` is a whole baseline-or-progressive JPEG: SOI first, EOI last and
 * headers that parse. Cheap (reads only up to the first SOS).
 */
export function isWholeJpeg(frame: Uint8Array): boolean {
  const n = frame.length;
  if (n < 4 || frame[0] !== 0xff || frame[1] !== 0xd8 || frame[n - 2] !== 0xff || frame[n - 1] !== 0xd9) {
    return false;
  }
  try {
    readJpegInfo(frame);
    return true;
  } catch {
    return false;
  }
}

/** Transfer time of `bytes` at `baudRate` with 10 bits per byte (8N1), ms. */
export function transferMs(bytes: number, baudRate: number): number {
  return (bytes * 10_000) / baudRate;
}
