/**
 * Codes of {@link ServerError}: stable API, listed in the README.
 * - `INVALID_OPTION`: a hub or handler option that cannot work (its name is in `option`).
 * - `HUB_CLOSED`: `addViewer` after `close()`.
 * - `INVALID_CAMERA`: a camera whose name is malformed or taken, or a camera registry with none.
 */
export type ServerErrorCode = 'INVALID_OPTION' | 'HUB_CLOSED' | 'INVALID_CAMERA';

/** Options of {@link ServerError}: the standard `cause`, and the option at fault. */
export interface ServerErrorOptions extends ErrorOptions {
  /** The option an `INVALID_OPTION` error is about (`allowOrigin`, `stallTimeoutMs`, …). */
  option?: string;
}

/** An invalid hub or handler option, or a use of a closed hub. */
export class ServerError extends Error {
  override name = 'ServerError';
  readonly code: ServerErrorCode;
  /** The option an `INVALID_OPTION` error is about; `undefined` for other codes. */
  readonly option: string | undefined;

  constructor(code: ServerErrorCode, message: string, options?: ServerErrorOptions) {
    super(message, options);
    this.code = code;
    this.option = options?.option;
  }
}
