/**
 * The shape of every typed error mjpeg-kit's readers throw: a stable `code` (API, listed in each
 * package's README) and, where the error is about a position, the byte `offset` in the input,
 * appended to the message as `… at byte N`. Each package subclasses it with its own code union
 * and name (`MultipartError`, `ChunkedError`, `JpegError`, `SourceError`), so `instanceof` tells
 * them apart.
 */
export class ByteStreamError<Code extends string = string> extends Error {
  override name = 'ByteStreamError';
  /** Stable machine-readable code. */
  readonly code: Code;
  /** Byte offset in the input, or `undefined` when the error is not about a position. */
  readonly offset: number | undefined;

  constructor(code: Code, message: string, offset?: number, options?: ErrorOptions) {
    super(offset === undefined ? message : `${message} at byte ${offset}`, options);
    this.code = code;
    this.offset = offset;
  }
}
