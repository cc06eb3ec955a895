import { ByteStreamError } from '@mjpeg-kit/bytes';

/**
 * Stable codes of {@link SourceError}:
 * - `INVALID_OPTION`: an option is out of range.
 * - `OPEN_FAILED`: a file could not be opened or read.
 * - `BAD_FRAME`: a file holds no whole JPEG frame.
 * - `EXITED`: an exec source's child process exited (reported as `reconnecting`, thrown after
 *   `reconnect.maxAttempts`).
 * - `INPUT_ENDED`: a readable source's input ended. Terminal: the input cannot be opened again,
 *   so a supervisor should mark the camera offline and not restart it.
 * - `READ_FAILED`: reading a readable source's input failed (the stream errored).
 */
export type SourceErrorCode =
  | 'INVALID_OPTION'
  | 'OPEN_FAILED'
  | 'BAD_FRAME'
  | 'EXITED'
  | 'INPUT_ENDED'
  | 'READ_FAILED';

/** The error every source reports (through `onStatus`) or throws; `code` is API. */
export class SourceError extends ByteStreamError<SourceErrorCode> {
  override name = 'SourceError';
}

/** Wraps any failure as a `SourceError`, keeping one that already is. */
export function toSourceError(error: unknown, code: SourceErrorCode, message: string): SourceError {
  if (error instanceof SourceError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new SourceError(code, `${message}: ${detail}`, undefined, { cause: error });
}
