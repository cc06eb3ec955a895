import { ByteStreamError } from '@mjpeg-kit/bytes';

/** The codes `JpegError` carries; stable API, listed in the README. */
export type JpegErrorCode =
  | 'NOT_JPEG'
  | 'TRUNCATED'
  | 'BAD_MARKER'
  | 'BAD_SEGMENT_LENGTH'
  | 'BAD_FRAME_HEADER'
  | 'NO_FRAME_HEADER'
  | 'INVALID_OPTION';

/**
 * A malformed JPEG, thrown by `readJpegInfo`: `offset` is the byte in the frame where the
 * problem was found. Also `INVALID_OPTION` from the `JpegScanner` constructor (the option named
 * in `option`); scanning itself never throws: it drops and counts broken frames.
 */
export class JpegError extends ByteStreamError<JpegErrorCode> {
  override name = 'JpegError';
}
