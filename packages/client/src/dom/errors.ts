/** Codes of {@link PlayerError}. */
export type PlayerErrorCode =
  /** `snapshot()` before any frame was drawn. */
  | 'NO_FRAME'
  /** `snapshot()` in `<img>` fallback mode on a cross-origin stream without CORS (tainted canvas). */
  | 'SNAPSHOT_TAINTED'
  /** Web Audio is missing or the AudioContext could not start. */
  | 'AUDIO_UNAVAILABLE'
  /** The player was destroyed. */
  | 'DESTROYED'
  /** The stream ended for good (reconnect off) or could not be read. */
  | 'STREAM_FAILED'
  /** An option or argument that cannot work (its name is in `option`), e.g. a sample rate of 0. */
  | 'INVALID_OPTION';

/** Options of {@link PlayerError}: the standard `cause`, and the option an `INVALID_OPTION` is about. */
export interface PlayerErrorOptions extends ErrorOptions {
  /** The option at fault, for `INVALID_OPTION`. */
  option?: string;
}

/** Errors the DOM player throws, rejects with or reports through its `error` event. */
export class PlayerError extends Error {
  override name = 'PlayerError';
  readonly code: PlayerErrorCode;
  /** The option an `INVALID_OPTION` error is about; `undefined` for other codes. */
  readonly option: string | undefined;

  constructor(code: PlayerErrorCode, message: string, options?: PlayerErrorOptions) {
    super(message, options);
    this.code = code;
    this.option = options?.option;
  }
}
