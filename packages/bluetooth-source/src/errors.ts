import { ByteStreamError } from '@mjpeg-kit/bytes';

/**
 * Stable codes of {@link SourceError}:
 * - `TIMEOUT`: a camera did not answer a command within `timeoutMs`, after every retry,
 *   or a stream camera sent no frame within `idleTimeoutMs`.
 * - `BAD_REPLY`: a camera answered with bytes that are not the expected reply.
 * - `NAK`: an OV528 camera refused a command.
 * - `CHECKSUM`: an OV528 data package kept failing its checksum.
 * - `FRAME_TOO_LARGE`: a camera announced a frame above `maxFrameBytes`.
 * - `BAD_FRAME`: a captured frame is not a whole JPEG (dropped, counted in `stats`).
 * - `LINK_LOST`: the link closed or failed (device gone, EIO, port closed).
 * - `OPEN_FAILED`: the port could not be opened.
 * - `INVALID_OPTION`: an option is out of range.
 */
export type SourceErrorCode =
  | 'TIMEOUT'
  | 'BAD_REPLY'
  | 'NAK'
  | 'CHECKSUM'
  | 'FRAME_TOO_LARGE'
  | 'BAD_FRAME'
  | 'LINK_LOST'
  | 'OPEN_FAILED'
  | 'INVALID_OPTION';

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
