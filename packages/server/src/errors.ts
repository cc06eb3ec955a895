/** Codes of {@link ServerError}: stable API, listed in the README. */
export type ServerErrorCode = 'INVALID_OPTION' | 'HUB_CLOSED';

/** An invalid hub or handler option, or a use of a closed hub. */
export class ServerError extends Error {
  override name = 'ServerError';
  readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Checks a numeric option: finite, at least `min`. */
export function checkNumberOption(name: string, value: number, min: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new ServerError('INVALID_OPTION', `${name} must be a number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}
