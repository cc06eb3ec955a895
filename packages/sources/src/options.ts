import {
  checkNumberOption as checkNumberOptionWith,
  type LimitedReconnectOptions,
  type NumberOptionRange,
} from '@mjpeg-kit/bytes';
import { SourceError } from './errors.js';

/** Respawn policy of `execSource`: the `@mjpeg-kit/bytes` backoff plus a retry limit (`maxAttempts`). */
export type ReconnectOptions = LimitedReconnectOptions;

/**
 * Checks a numeric option: a finite number in `range` (`NaN` and `Infinity` refused).
 *
 * @throws SourceError `INVALID_OPTION` naming the option (also in `error.option`).
 */
export function checkNumberOption(name: string, value: number, range: NumberOptionRange): number {
  return checkNumberOptionWith(name, value, range, invalidOption);
}

/** `SourceError('INVALID_OPTION')` saying `name` and what is wrong with it, the option in `error.option`. */
export function invalidOption(name: string, problem: string): SourceError {
  return new SourceError('INVALID_OPTION', `${name} ${problem}`, undefined, { option: name });
}

/** `maxFrameBytes` of the sources that cut frames with `JpegScanner`: a finite size of at least 4. */
export const MAX_FRAME_BYTES_RANGE: NumberOptionRange = { min: 4 };
/** A delay, ms: finite and at most 2³¹ − 1, the longest a timer honours (a longer one fires at once). */
export const DELAY_MS_RANGE: NumberOptionRange = { min: 0, max: 2_147_483_647 };

/** {@link checkNumberOption} for an option that may be left out. */
export function checkOptionalNumberOption(
  name: string,
  value: number | undefined,
  range: NumberOptionRange,
): number | undefined {
  return value === undefined ? undefined : checkNumberOption(name, value, range);
}
