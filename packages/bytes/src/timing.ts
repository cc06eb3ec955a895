import { nowMs } from './media.js';

/**
 * Waits `ms` milliseconds, or less when `signal` aborts. Resolves `true` when the time
 * elapsed and `false` on abort; never leaves a timer or listener behind.
 *
 * @example
 * ```ts
 * if (!(await sleep(backoffDelayMs(attempt), signal))) return; // aborted
 * ```
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
 * Waits until `timeMs` (epoch ms on the {@link nowMs} clock). Timers count whole milliseconds
 * from the event loop's cached time, so one may fire a little early: this sleeps again until
 * the instant has really passed, so nothing stamped `timeMs` is emitted before it.
 * Resolves `false` on abort.
 */
export async function sleepUntil(timeMs: number, signal?: AbortSignal): Promise<boolean> {
  for (let left = timeMs - nowMs(); left > 0; left = timeMs - nowMs()) {
    if (!(await sleep(Math.ceil(left), signal))) return false;
  }
  return !signal?.aborted;
}
