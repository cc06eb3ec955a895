import { ByteStreamError } from '@mjpeg-kit/bytes';

/**
 * Codes a {@link ChunkedError} carries. They are API: stable, listed in the README.
 *
 * - `INVALID_CHUNK_SIZE`: the size line does not start with a hex digit, or holds a byte that is
 *   neither a hex digit, `;`, whitespace before `;`, nor CRLF (`+5`, `-5`, `0x5`, ` 5`, `5 5`).
 * - `CHUNK_SIZE_OVERFLOW`: the size exceeds `maxChunkBytes`, or has more than 16 hex digits.
 * - `INVALID_CHUNK_EXT`: a chunk extension that is not `;name[=token|quoted-string]`.
 * - `EXT_TOO_LARGE`: the extensions of one size line exceed `maxExtBytes`.
 * - `BARE_LF`: a line ends with LF alone where CRLF is required (see `allowBareLf`).
 * - `MISSING_CRLF`: the bytes after chunk data are not CRLF, or a CR is not followed by LF.
 * - `INVALID_TRAILER`: a trailer field line that is not `name: value` (obs-fold included).
 * - `TRAILER_TOO_LARGE`: the trailer section exceeds `maxTrailerBytes`.
 * - `TRUNCATED`: `end()` before the last chunk and the trailer section ended.
 * - `DATA_AFTER_END`: `push()` of more bytes after the message ended (read `leftover` instead).
 * - `INVALID_OPTION`: a `ChunkedReader` limit that is not a positive safe integer (its name is in
 *   `option`).
 */
export type ChunkedErrorCode =
  | 'INVALID_CHUNK_SIZE'
  | 'CHUNK_SIZE_OVERFLOW'
  | 'INVALID_CHUNK_EXT'
  | 'EXT_TOO_LARGE'
  | 'BARE_LF'
  | 'MISSING_CRLF'
  | 'INVALID_TRAILER'
  | 'TRAILER_TOO_LARGE'
  | 'TRUNCATED'
  | 'DATA_AFTER_END'
  | 'INVALID_OPTION';

/**
 * A malformed chunked body (or a misuse of the reader). `code` says what, `offset` the byte
 * position in the whole stream fed to the reader (0-based), when there is one.
 */
export class ChunkedError extends ByteStreamError<ChunkedErrorCode> {
  override name = 'ChunkedError';
}
