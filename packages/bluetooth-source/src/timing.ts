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

/** Reconnect policy shared by the link sources. */
export interface ReconnectOptions {
  /** First delay in ms (default 500). */
  minDelayMs?: number;
  /** Largest delay in ms (default 10 000). */
  maxDelayMs?: number;
  /** Failed attempts in a row before the source gives up and throws (default unlimited). */
  maxAttempts?: number;
}

/** Default first reconnect delay, ms. */
export const DEFAULT_MIN_DELAY_MS = 500;
/** Default largest reconnect delay, ms. */
export const DEFAULT_MAX_DELAY_MS = 10_000;

/**
 * The delay before reconnect attempt `attempt` (from 1): exponential from `minDelayMs`,
 * capped at `maxDelayMs`, with "equal jitter" (half fixed, half random) so many sources
 * that lost one adapter do not retry in lockstep.
 */
export function backoffDelayMs(
  attempt: number,
  options: ReconnectOptions = {},
  random = Math.random,
): number {
  const min = options.minDelayMs ?? DEFAULT_MIN_DELAY_MS;
  const max = Math.max(min, options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
  const ceiling = Math.min(max, min * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Rejects an option outside `[min, max]`. */
export function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new SourceError('INVALID_OPTION', `${name} must be within ${min}..${max} (got ${value})`);
  }
  return value;
}
