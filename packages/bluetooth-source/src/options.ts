import type { ReconnectOptions as BytesReconnectOptions } from '@mjpeg-kit/bytes';
import { SourceError } from './errors.js';

/** Reconnect policy shared by the link sources: the `@mjpeg-kit/bytes` backoff plus a retry limit. */
export interface ReconnectOptions extends BytesReconnectOptions {
  /** Failed attempts in a row before the source gives up and throws (default unlimited). */
  maxAttempts?: number;
}

/** Rejects an option outside `[min, max]` (and any non-finite value). */
export function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new SourceError('INVALID_OPTION', `${name} must be within ${min}..${max} (got ${value})`);
  }
  return value;
}
