/**
 * Why a stream stopped. Codes are API: stable and listed in the README.
 * - `HTTP_STATUS`: the server answered with a non-2xx status (`status` is set).
 * - `AUTH_FAILED`: credentials were sent and the server still answered 401, or its
 *   challenge asks for a scheme or algorithm this client does not speak.
 * - `NETWORK`: fetch rejected or the body read failed after bytes had arrived.
 * - `CONNECT_TIMEOUT`: no response headers within `connectTimeoutMs`.
 * - `IDLE_TIMEOUT`: no body bytes for `idleTimeoutMs`.
 * - `ENDED`: the server ended the body (a live stream is not supposed to end).
 * - `UNSUPPORTED_BODY`: this runtime cannot read the body as a stream (no body, or
 *   Safari refusing a multipart body from a server that offers no `?raw=1` path); when
 *   `stats.parser` is `'img'`, show the URL in a plain `<img>` instead.
 * - `INVALID_URL`: the URL cannot be parsed.
 * - `INVALID_OPTION`: an option that cannot work (a `bodies` other than `'contiguous'` or
 *   `'pieces'`), thrown at once by `openStream`; the option's name is in the message and in `option`.
 * - `PROTOCOL` (`/ws`): the server broke mjpeg-kit.v1 (bad version byte, header too long, bad
 *   JSON, a wrong hello), or closed the connection for a message it calls malformed (1008, 1003).
 * - `UNKNOWN_CAMERA` (`/ws`): the server has no camera of that name; ends that camera only.
 * - `VIEWER_LIMIT` (`/ws`): the camera has as many viewers as the server allows.
 * - `SERVER_ERROR` (`/ws`): another `error` message about a camera (its code starts the message).
 */
export type StreamErrorCode =
  | 'HTTP_STATUS'
  | 'AUTH_FAILED'
  | 'NETWORK'
  | 'CONNECT_TIMEOUT'
  | 'IDLE_TIMEOUT'
  | 'ENDED'
  | 'UNSUPPORTED_BODY'
  | 'INVALID_URL'
  | 'INVALID_OPTION'
  | 'PROTOCOL'
  | 'UNKNOWN_CAMERA'
  | 'VIEWER_LIMIT'
  | 'SERVER_ERROR';

/** The error `openStream` reports through `onStatus`, and throws when reconnecting is off. */
export class StreamError extends Error {
  override name = 'StreamError';
  readonly code: StreamErrorCode;
  /** The HTTP status, for `HTTP_STATUS` and `AUTH_FAILED`. */
  readonly status: number | undefined;
  /** The option an `INVALID_OPTION` error is about; `undefined` for other codes. */
  readonly option: string | undefined;

  constructor(
    code: StreamErrorCode,
    message: string,
    options?: ErrorOptions & { status?: number; option?: string },
  ) {
    super(message, options);
    this.code = code;
    this.status = options?.status;
    this.option = options?.option;
  }
}
