import {
  checkNumberOption as checkNumberOptionWith,
  type LimitedReconnectOptions,
  type NumberOptionRange,
} from '@mjpeg-kit/bytes';
import { SourceError } from './errors.js';

/** Reconnect policy shared by the link sources: the `@mjpeg-kit/bytes` backoff plus `maxAttempts`. */
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
