/** Options of {@link ByteStreamError}: the standard `cause`, and the option an `INVALID_OPTION` is about. */
export interface ByteStreamErrorOptions extends ErrorOptions {
  /** The option at fault (`maxHeaderBytes`, `fps`, …), for errors with code `INVALID_OPTION`. */
  option?: string;
}

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
  /** The option an `INVALID_OPTION` error is about; `undefined` for other errors. */
  readonly option: string | undefined;

  constructor(code: Code, message: string, offset?: number, options?: ByteStreamErrorOptions) {
    super(offset === undefined ? message : `${message} at byte ${offset}`, options);
    this.code = code;
    this.offset = offset;
    this.option = options?.option;
  }
}
