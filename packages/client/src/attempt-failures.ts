import { StreamError } from './errors.js';
import type { ReadFallback } from './fallback.js';

/** No response headers within `connectTimeoutMs`. */
export function connectTimeoutError(connectTimeoutMs: number, cause: unknown): StreamError {
  return new StreamError('CONNECT_TIMEOUT', `no response within connectTimeoutMs (${connectTimeoutMs})`, {
    cause,
  });
}

/** No body bytes for `idleTimeoutMs`. */
export function idleError(idleTimeoutMs: number, cause?: unknown): StreamError {
  return new StreamError('IDLE_TIMEOUT', `no bytes for idleTimeoutMs (${idleTimeoutMs})`, { cause });
}

/** The server ended the body of a live stream. */
export function endedError(): StreamError {
  return new StreamError('ENDED', 'the server ended the stream');
}

/**
 * What a failed body read (not an idle timeout) ends the attempt with, by the fallback
 * {@link chooseReadFallback} picked: `UNSUPPORTED_BODY` for the raw and `<img>` paths,
 * `NETWORK` otherwise.
 */
export function readFailureError(fallback: ReadFallback, cause: unknown): StreamError {
  if (fallback === 'raw') {
    return new StreamError(
      'UNSUPPORTED_BODY',
      'this fetch cannot stream a multipart body; retrying with raw=1',
      {
        cause,
      },
    );
  }
  if (fallback === 'img') {
    return new StreamError('UNSUPPORTED_BODY', 'this fetch cannot stream a multipart body; use an <img>', {
      cause,
    });
  }
  return new StreamError('NETWORK', `reading the stream failed: ${describeError(cause)}`, { cause });
}

/** `caught` as a {@link StreamError}: itself, or `NETWORK` wrapping it. */
export function toStreamError(caught: unknown): StreamError {
  if (caught instanceof StreamError) return caught;
  return new StreamError('NETWORK', describeError(caught), { cause: caught });
}

/** An error's message and its cause's message, for error messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
