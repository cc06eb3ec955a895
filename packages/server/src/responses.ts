import { Buffer } from 'node:buffer';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';

/** Headers that keep every cache and proxy from storing live answers. */
export const NO_CACHE: OutgoingHttpHeaders = {
  'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
};

/** Sends a whole body with its `Content-Length` (no body on HEAD); ends a response already under way. */
export function sendBody(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  req: IncomingMessage | undefined,
  body: string | Uint8Array,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': bytes.length });
  res.end(req?.method === 'HEAD' ? undefined : bytes);
}

/** Sends `<status> <text>` as `text/plain`. */
export function sendText(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  text: string,
): void {
  sendBody(
    res,
    status,
    { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
    res.req,
    `${status} ${text}\n`,
  );
}

/** A signal aborted when the response closes: finished, or its client went away. */
export function signalOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (res.destroyed) controller.abort();
  else res.once('close', () => controller.abort());
  return controller.signal;
}

/**
 * The HTTP/2 stream under a `node:http2` compatibility response (`res.stream`), or `undefined`
 * for a `node:http` one. On HTTP/2, `res.socket` is the connection every stream shares: bytes
 * for one response go to its stream.
 */
export function http2StreamOf(req: IncomingMessage, res: ServerResponse): ServerHttp2Stream | undefined {
  if (req.httpVersionMajor < 2) return undefined;
  return (res as unknown as { stream?: ServerHttp2Stream }).stream;
}
