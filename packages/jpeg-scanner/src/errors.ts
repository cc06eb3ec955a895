/** The codes `JpegError` carries; stable API, listed in the README. */
export type JpegErrorCode =
  | 'NOT_JPEG'
  | 'TRUNCATED'
  | 'BAD_MARKER'
  | 'BAD_SEGMENT_LENGTH'
  | 'BAD_FRAME_HEADER'
  | 'NO_FRAME_HEADER';

/**
 * A malformed JPEG, thrown by `readJpegInfo`. `offset` is the byte in the frame where the
 * problem was found. (`JpegScanner` never throws: it drops and counts broken frames.)
 */
export class JpegError extends Error {
  override name = 'JpegError';
  readonly code: JpegErrorCode;
  readonly offset: number | undefined;
  constructor(code: JpegErrorCode, message: string, offset?: number, options?: ErrorOptions) {
    super(offset === undefined ? message : `${message} at byte ${offset}`, options);
    this.code = code;
    this.offset = offset;
  }
}
