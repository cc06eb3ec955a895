import { type ReconnectOptions as BytesReconnectOptions, nowMs } from '@mjpeg-kit/bytes';
import { SourceError } from './errors.js';

/**
 * Waits `ms` milliseconds, or less when `signal` aborts. Resolves `true` when the time
 * elapsed and `false` on abort; never leaves a timer or listener behind.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits until `timeMs` (epoch ms on the `nowMs()` clock). Timers count whole milliseconds from
 * the event loop's cached time, so one may fire a little early: sleep again until the instant
 * has really passed, so nothing stamped `timeMs` is emitted before it.
 */
export async function sleepUntil(timeMs: number, signal?: AbortSignal): Promise<boolean> {
  for (let left = timeMs - nowMs(); left > 0; left = timeMs - nowMs()) {
    if (!(await sleep(Math.ceil(left), signal))) return false;
  }
  return !signal?.aborted;
}

/** Reconnect policy shared by the link sources: the `@mjpeg-kit/bytes` backoff plus a retry limit. */
export interface ReconnectOptions extends BytesReconnectOptions {
  /** Failed attempts in a row before the source gives up and throws (default unlimited). */
  maxAttempts?: number;
}

/** Rejects an option outside `[min, max]`. */
export function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new SourceError('INVALID_OPTION', `${name} must be within ${min}..${max} (got ${value})`);
  }
  return value;
}
