/** Reconnect delays: exponential from `minDelayMs`, capped at `maxDelayMs`, with jitter. */
export interface ReconnectOptions {
  /** First delay, in ms. Default {@link DEFAULT_MIN_DELAY_MS} (500). */
  minDelayMs?: number;
  /** Longest delay, in ms. Default {@link DEFAULT_MAX_DELAY_MS} (10 000). */
  maxDelayMs?: number;
}

/** {@link ReconnectOptions} plus a retry limit, for a source that gives up after repeated failures. */
export interface LimitedReconnectOptions extends ReconnectOptions {
  /** Failed attempts in a row before the source gives up and throws (default unlimited). */
  maxAttempts?: number;
}

/** Default first reconnect delay, ms. */
export const DEFAULT_MIN_DELAY_MS = 500;
/** Default longest reconnect delay, ms. */
export const DEFAULT_MAX_DELAY_MS = 10_000;

/**
 * Delay in ms before reconnect `attempt` (from 1): the step `min × 2^(attempt−1)` capped at
 * `max`, then jittered into its upper half (never under `min`), so many clients of one restarted
 * camera or adapter do not reconnect in lockstep. `random` returns [0, 1) (default `Math.random`).
 *
 * @example
 * ```ts
 * await sleep(backoffDelayMs(failures, { minDelayMs: 250, maxDelayMs: 5000 }));
 * ```
 */
export function backoffDelayMs(
  attempt: number,
  options: ReconnectOptions = {},
  random: () => number = Math.random,
): number {
  const min = Math.max(0, options.minDelayMs ?? DEFAULT_MIN_DELAY_MS);
  const max = Math.max(min, options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
  const step = Math.min(max, min * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.max(min, Math.round(step * (0.5 + 0.5 * random())));
}
