/** Why a stream could not be fetched, in words for the page. */
export type FetchFailure = 'cors' | 'network';

/**
 * A failed `fetch()` looks the same for CORS and for an unreachable host (a bare TypeError), on
 * purpose. A `no-cors` request tells them apart: it resolves (with an opaque response) when the
 * server answered, and rejects only when the network failed. The request is aborted at once, so
 * the stream is not kept open.
 */
export async function diagnoseFetchFailure(url: string, timeoutMs = 5000): Promise<FetchFailure> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await fetch(url, { mode: 'no-cors', cache: 'no-store', signal: controller.signal });
    return 'cors';
  } catch {
    return 'network';
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/**
 * The HTTP status a same-origin stream URL answers, or `undefined` when it cannot be reached: a
 * browser's `WebSocket` hides why an upgrade was refused (a 401 looks like a network error), so
 * the page asks the stream URL itself. The body is not read.
 */
export async function probeStatus(url: string, timeoutMs = 5000): Promise<number | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { cache: 'no-store', signal: controller.signal });
    return response.status;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** True when `url` is on another origin than the page (CORS applies). */
export function isCrossOrigin(url: string, base: string): boolean {
  try {
    return new URL(url, base).origin !== new URL(base).origin;
  } catch {
    return false;
  }
}
