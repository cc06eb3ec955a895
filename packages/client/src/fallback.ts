/** What the client does when reading a body failed. */
export type ReadFallback = 'raw' | 'img' | 'none';

/** What is known when a body read failed. */
export interface ReadFailure {
  /** The response's `Content-Type`. */
  contentType: string | null;
  /** The response's `Server` header (mjpeg-kit servers send `mjpeg-kit/<version>`). */
  server: string | null;
  /** Body bytes received before the failure. */
  bytesReceived: number;
  /** Whether this request already asked for `?raw=1`. */
  rawRequested: boolean;
  /** Whether the caller can show the stream in a plain `<img>` (a DOM is present). */
  imgAvailable: boolean;
}

/**
 * Decides the Safari path. Safari's `fetch()` rejects the first read of a
 * `multipart/x-mixed-replace` body ("Load failed"): an mjpeg-kit server offers the same
 * bytes as `application/octet-stream` on `?raw=1` (`'raw'`: retry that URL at once);
 * another server cannot, so a page falls back to a plain `<img>` (`'img'`, video only).
 * Any failure after bytes arrived, or on a body that is not multipart, is an ordinary
 * network error (`'none'`: reconnect as usual).
 */
export function chooseReadFallback(failure: ReadFailure): ReadFallback {
  if (failure.bytesReceived > 0) return 'none';
  if (!/^\s*multipart\//i.test(failure.contentType ?? '')) return 'none';
  if (!failure.rawRequested && /^\s*mjpeg-kit\//i.test(failure.server ?? '')) return 'raw';
  return failure.imgAvailable ? 'img' : 'none';
}

/** `url` with `raw=1` set (other parameters kept). */
export function withRawParam(url: URL): URL {
  const raw = new URL(url);
  raw.searchParams.set('raw', '1');
  return raw;
}
