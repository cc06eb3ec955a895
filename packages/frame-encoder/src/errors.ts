/**
 * Codes an {@link EncoderError} carries. They are API: stable, listed in the README.
 *
 * - `INVALID_BOUNDARY`: a boundary that is not 1–70 RFC 2046 `bchars`, or ends with a space.
 * - `INVALID_HEADER_NAME`: an extra header name that is not an RFC 9110 token.
 * - `INVALID_HEADER_VALUE`: a header value with CR, LF or another control byte, or a character
 *   above U+00FF (header injection).
 * - `RESERVED_HEADER`: an extra header the encoder writes itself (`Content-Type`,
 *   `Content-Length`, `Content-Size`, `X-Timestamp`, `X-Frame-Seq`).
 * - `INVALID_FIELD`: a timestamp, sequence number, media type or audio parameter out of range.
 * - `INVALID_OPTION`: an encoder option of the wrong type (`legacy` not a boolean); its name is in
 *   `option`.
 */
export type EncoderErrorCode =
  | 'INVALID_BOUNDARY'
  | 'INVALID_HEADER_NAME'
  | 'INVALID_HEADER_VALUE'
  | 'RESERVED_HEADER'
  | 'INVALID_FIELD'
  | 'INVALID_OPTION';

/** Options of {@link EncoderError}: the standard `cause`, and the option an `INVALID_OPTION` is about. */
export interface EncoderErrorOptions extends ErrorOptions {
  /** The option at fault, for `INVALID_OPTION`. */
  option?: string;
}

/** A part or boundary the encoder refuses to write. `code` says why. */
export class EncoderError extends Error {
  override name = 'EncoderError';
  readonly code: EncoderErrorCode;
  /** The option an `INVALID_OPTION` error is about; `undefined` for other codes. */
  readonly option: string | undefined;

  constructor(code: EncoderErrorCode, message: string, options?: EncoderErrorOptions) {
    super(message, options);
    this.code = code;
    this.option = options?.option;
  }
}
