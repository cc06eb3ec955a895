import { ByteStreamError } from '@mjpeg-kit/bytes';

/**
 * Stable codes of {@link MultipartError}: they are API, listed in the README.
 *
 * - `NO_BOUNDARY`: the Content-Type is not `multipart/*` or has no `boundary` parameter.
 * - `BAD_BOUNDARY`: the boundary is empty, longer than 70 characters, or holds a control or
 *   non-ASCII character (RFC 2046 §5.1.1).
 * - `HEADER_TOO_LARGE`: a part's header block (or a delimiter's padding) exceeds `maxHeaderBytes`.
 * - `TOO_MANY_HEADERS`: a part has more header lines than `maxHeaderLines`.
 * - `MALFORMED_HEADER`: a header line holds control bytes, or a folded line has nothing to continue.
 * - `MALFORMED_DELIMITER`: a delimiter line continues with something other than padding and a line end.
 * - `PART_TOO_LARGE`: a body (declared or found) exceeds `maxPartBytes`.
 * - `PREAMBLE_TOO_LARGE`: more than `maxPreambleBytes` arrived before the first delimiter.
 * - `EPILOGUE_TOO_LARGE`: more than `maxEpilogueBytes` arrived after a close delimiter.
 * - `MISSING_DELIMITER`: a part had an empty line where its delimiter line should be, and no
 *   Content-Length (or a wrong one): nothing can end its body. The offset is its headers' start.
 * - `TRUNCATED`: the stream ended inside a part (or before any delimiter).
 * - `WRITE_AFTER_END`: `write()` or `end()` was called after `end()`.
 * - `INVALID_OPTION`: a parser option that cannot work (a limit that is negative, `NaN` or
 *   infinite, an unknown `bodies`); the option's name is in the message and in `option`.
 */
export type MultipartErrorCode =
  | 'NO_BOUNDARY'
  | 'BAD_BOUNDARY'
  | 'HEADER_TOO_LARGE'
  | 'TOO_MANY_HEADERS'
  | 'MALFORMED_HEADER'
  | 'MALFORMED_DELIMITER'
  | 'PART_TOO_LARGE'
  | 'PREAMBLE_TOO_LARGE'
  | 'EPILOGUE_TOO_LARGE'
  | 'MISSING_DELIMITER'
  | 'TRUNCATED'
  | 'WRITE_AFTER_END'
  | 'INVALID_OPTION';

/**
 * The one error type of `@mjpeg-kit/boundary-parser`. `code` is stable API; `offset` is the
 * byte offset in the stream (counted from the first byte written) where the problem was
 * found, when there is one. The message says what was found, what was expected and where.
 */
export class MultipartError extends ByteStreamError<MultipartErrorCode> {
  override name = 'MultipartError';
}
