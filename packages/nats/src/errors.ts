/** What went wrong, machine-readable. */
export type NatsErrorCode =
  | 'INVALID_URL'
  | 'INVALID_OPTION'
  | 'CONNECT_FAILED'
  | 'FRAME_TOO_LARGE'
  | 'CONNECTION_CLOSED';

/** Every error `@mjpeg-kit/nats` throws or reports: `code` says which. Messages never hold credentials. */
export class NatsError extends Error {
  readonly code: NatsErrorCode;

  constructor(code: NatsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NatsError';
    this.code = code;
  }
}
