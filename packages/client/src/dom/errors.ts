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
  | 'STREAM_FAILED';

/** Errors the DOM player throws, rejects with or reports through its `error` event. */
export class PlayerError extends Error {
  override name = 'PlayerError';
  readonly code: PlayerErrorCode;

  constructor(code: PlayerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
