import { Buffer } from 'node:buffer';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { formatTimestamp } from '@mjpeg-kit/bytes';
import packageJson from '../package.json' with { type: 'json' };
import { AccessControl, type BasicCredentials } from './access.js';
import { FALLBACK_PAGE } from './fallback-page.js';
import type { MjpegHub, ViewerEvent } from './hub.js';
import { checkNumberOption } from './option-checks.js';
import { QueryError, readFlag, readMaxDelay, readStreamQuery } from './query.js';
import { serveStaticFile } from './static-files.js';
import type { ViewerKind } from './viewer.js';

/** Default `?max_delay=` of snapshots, ms. */
export const DEFAULT_SNAPSHOT_MAX_DELAY_MS = 300;
/** Default `snapshotTimeoutMs`: how long a snapshot waits for a fresh frame. */
export const DEFAULT_SNAPSHOT_TIMEOUT_MS = 2000;

/** The `Server` header value: `mjpeg-kit/<version>`. */
export const SERVER_NAME = `mjpeg-kit/${packageJson.version}`;

/** Why a request was refused before it became a viewer. */
export type RefusalReason = 'limit' | 'auth';

/** What the `log` option receives besides the line: a viewer event or a refusal. */
export type HandlerLogEvent =
  | ViewerEvent
  | { event: 'refuse'; reason: RefusalReason; path: string; remote: string; viewers: number };

/** Options of {@link createMjpegHandler}. */
export interface MjpegHandlerOptions {
  /** Directory of the web app served at `/` (its `index.html` and assets). Default: the built-in page. */
  webRoot?: string;
  /** Serve the built-in page at `/` when there is no `webRoot`. Default true. */
  fallbackPage?: boolean;
  /** `Access-Control-Allow-Origin` value for every answer (`*` or one origin). Default: none. */
  allowOrigin?: string;
  /** Basic auth credentials; with `key` too, either one admits. Default: none. */
  auth?: BasicCredentials;
  /** A `?key=` token that admits a request. Default: none. */
  key?: string;
  /** Realm named in the `WWW-Authenticate` challenge. Default `'mjpeg-kit'`. */
  realm?: string;
  /** Serve `/audio.wav` (false when there is no audio source: it answers 404). Default true. */
  audio?: boolean;
  /** Longest wait of a snapshot for a frame fresher than `max_delay`, ms. Default 2000. */
  snapshotTimeoutMs?: number;
  /** `max_delay` when the query has none, ms. Default 300. */
  snapshotMaxDelayMs?: number;
  /** `Server` header. Default `mjpeg-kit/<version>`. */
  serverName?: string;
  /** One line per viewer that connects or leaves (with the reason) and per refusal. */
  log?: (line: string, event: HandlerLogEvent) => void;
}

/** `(req, res, next?)`: a `node:http` request listener and an Express/Connect middleware. */
export type MjpegHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

type Route = 'stream' | 'snapshot' | 'wav' | 'av' | 'state' | 'page';

const STREAM_METHODS = 'GET, HEAD, POST';
const READ_METHODS = 'GET, HEAD';

const NO_CACHE: OutgoingHttpHeaders = {
  'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
};

/**
 * The HTTP handler for DESIGN.md's URL surface, with ustreamer's and mjpg-streamer's
 * aliases: `/stream` (`/?action=stream`, `/video.mjpg`), `/snapshot.jpg` (`/snapshot`,
 * `/?action=snapshot`), `/audio.wav`, `/av`, `/state`, and `/` (the web app). Anything else
 * goes to `next()` when given, else 404.
 *
 * Streams write pre-framed bytes to `res.socket` after `flushHeaders()`, because `res.write`
 * would add its own chunk framing: chunked on HTTP/1.1 (ended with the last chunk),
 * close-delimited on HTTP/1.0. From Fastify, call it with `reply.raw` after `reply.hijack()`.
 *
 * @throws ServerError `INVALID_OPTION` on a negative timeout.
 * @example
 * ```ts
 * const hub = new MjpegHub();
 * http.createServer(createMjpegHandler(hub, { allowOrigin: '*' })).listen(8080);
 * app.use(createMjpegHandler(hub)); // Express: unknown paths fall through
 * ```
 */
export function createMjpegHandler(hub: MjpegHub, options: MjpegHandlerOptions = {}): MjpegHandler {
  const access = new AccessControl(options.auth, options.key);
  const snapshotTimeoutMs = checkNumberOption(
    'snapshotTimeoutMs',
    options.snapshotTimeoutMs ?? DEFAULT_SNAPSHOT_TIMEOUT_MS,
    0,
  );
  const defaultMaxDelayMs = checkNumberOption(
    'snapshotMaxDelayMs',
    options.snapshotMaxDelayMs ?? DEFAULT_SNAPSHOT_MAX_DELAY_MS,
    0,
  );
  const realm = (options.realm ?? 'mjpeg-kit').replace(/["\\]/g, '');
  const audioEnabled = options.audio ?? true;
  const log = options.log;
  if (log !== undefined) hub.on('viewer', (event: ViewerEvent) => log(formatViewerEvent(event), event));

  const baseHeaders: OutgoingHttpHeaders = { Server: options.serverName ?? SERVER_NAME };
  if (options.allowOrigin !== undefined) {
    baseHeaders['Access-Control-Allow-Origin'] = options.allowOrigin;
    baseHeaders['Access-Control-Expose-Headers'] = 'X-Boundary, X-Timestamp, X-Frame-Seq, Server';
    if (options.allowOrigin !== '*') baseHeaders.Vary = 'Origin';
  }

  const refuse = (req: IncomingMessage, path: string, reason: RefusalReason) => {
    log?.(`viewer ${remoteOf(req)} refused ${path}: ${reason}`, {
      event: 'refuse',
      reason,
      path,
      remote: remoteOf(req),
      viewers: hub.viewerCount,
    });
  };

  return (req, res, next) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendText(res, 400, baseHeaders, 'Bad Request: unreadable URL');
      return;
    }
    const params = url.searchParams;
    const route = routeOf(url.pathname, params);
    if (route === undefined) {
      if (next !== undefined) {
        next();
        return;
      }
      if (options.webRoot !== undefined && isRead(req.method) && access.allows(req, params)) {
        void serveStaticFile(options.webRoot, url.pathname, req, res, baseHeaders).then((served) => {
          if (!served) sendText(res, 404, baseHeaders, `Not Found: ${url.pathname}`);
        });
        return;
      }
      sendText(res, 404, baseHeaders, `Not Found: ${url.pathname}`);
      return;
    }

    const streamLike = route === 'stream' || route === 'av' || route === 'wav' || route === 'snapshot';
    const allowed = streamLike ? STREAM_METHODS : READ_METHODS;
    if (req.method === 'OPTIONS' && options.allowOrigin !== undefined) {
      res.writeHead(204, {
        ...baseHeaders,
        'Access-Control-Allow-Methods': allowed,
        'Access-Control-Allow-Headers': 'Authorization',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (!allowed.split(', ').includes(req.method ?? '')) {
      sendText(
        res,
        405,
        { ...baseHeaders, Allow: allowed },
        `Method Not Allowed: ${req.method} (use ${allowed})`,
      );
      return;
    }
    const path = url.pathname + url.search;
    if (!access.allows(req, params)) {
      if (streamLike) refuse(req, url.pathname, 'auth');
      const challenge: OutgoingHttpHeaders = access.usesBasic
        ? { 'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"` }
        : { 'WWW-Authenticate': `Key realm="${realm}"` };
      sendText(res, 401, { ...baseHeaders, ...challenge }, 'Unauthorized: credentials or ?key= required');
      return;
    }

    try {
      switch (route) {
        case 'stream':
        case 'av':
        case 'wav':
          if (route === 'wav' && !audioEnabled) {
            sendText(res, 404, baseHeaders, 'Not Found: this server has no audio source');
            return;
          }
          serveStream(route, req, res, params, path);
          return;
        case 'snapshot': {
          const maxDelayMs = readMaxDelay(params, defaultMaxDelayMs);
          void serveSnapshot(res, maxDelayMs);
          return;
        }
        case 'state':
          sendBody(
            res,
            200,
            { ...baseHeaders, ...NO_CACHE, 'Content-Type': 'application/json' },
            req,
            JSON.stringify(hub.getState()),
          );
          return;
        case 'page':
          void servePage(req, res, url.pathname);
          return;
      }
    } catch (error) {
      if (error instanceof QueryError) {
        sendText(res, 400, baseHeaders, `Bad Request: ${error.message}`);
        return;
      }
      throw error;
    }
  };

  function serveStream(
    route: 'stream' | 'av' | 'wav',
    req: IncomingMessage,
    res: ServerResponse,
    params: URLSearchParams,
    path: string,
  ): void {
    const query = route === 'wav' ? undefined : readStreamQuery(params);
    if (route === 'wav') readFlag(params, 'raw'); // validated, but a WAV is already plain bytes
    if (hub.closed) {
      sendText(res, 503, baseHeaders, 'Service Unavailable: shutting down');
      return;
    }
    if (!hub.canAccept()) {
      refuse(req, path, 'limit');
      sendText(res, 503, { ...baseHeaders, 'Retry-After': '5' }, 'Service Unavailable: viewer limit reached');
      return;
    }
    // HTTP/1.0 has no chunked coding: the body ends when the connection does (RFC 9112 §6.3).
    const chunked = req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
    const headers: OutgoingHttpHeaders = {
      ...baseHeaders,
      ...NO_CACHE,
      'X-Accel-Buffering': 'no',
      Connection: 'close',
    };
    if (route === 'wav') headers['Content-Type'] = 'audio/wav';
    else if (query?.raw) {
      headers['Content-Type'] = 'application/octet-stream';
      headers['X-Boundary'] = hub.boundary;
      headers['Access-Control-Expose-Headers'] = 'X-Boundary, Server';
    } else headers['Content-Type'] = hub.contentType;
    if (chunked) headers['Transfer-Encoding'] = 'chunked';
    res.writeHead(200, headers);
    const socket = res.socket;
    if (req.method === 'HEAD' || socket === null || socket.destroyed) {
      res.end();
      return;
    }
    // A POST body (the seed's Flash client sends one) is read and dropped.
    req.resume();
    res.flushHeaders();
    const kind: ViewerKind = route;
    hub.addViewer(socket, {
      kind,
      chunked,
      legacy: query?.legacy,
      advanceHeaders: query?.advanceHeaders,
      dualFinalFrames: query?.dualFinalFrames,
      fps: query?.fps,
      audio: query?.audio,
      path,
      remote: remoteOf(req),
    });
  }

  async function serveSnapshot(res: ServerResponse, maxDelayMs: number): Promise<void> {
    const frame = await hub.waitForFrame(maxDelayMs, snapshotTimeoutMs);
    if (res.destroyed) return;
    if (frame === undefined) {
      sendText(res, 503, { ...baseHeaders, 'Retry-After': '1' }, 'Service Unavailable: no frame yet');
      return;
    }
    const headers: OutgoingHttpHeaders = {
      ...baseHeaders,
      ...NO_CACHE,
      'Content-Type': 'image/jpeg',
      'X-Timestamp': formatTimestamp(frame.timestamp),
    };
    if (frame.seq !== undefined) headers['X-Frame-Seq'] = String(frame.seq);
    sendBody(res, 200, headers, res.req, frame.body);
  }

  async function servePage(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (
      options.webRoot !== undefined &&
      (await serveStaticFile(options.webRoot, pathname, req, res, baseHeaders))
    )
      return;
    if (options.fallbackPage === false) {
      sendText(res, 404, baseHeaders, `Not Found: ${pathname}`);
      return;
    }
    sendBody(
      res,
      200,
      { ...baseHeaders, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' },
      req,
      FALLBACK_PAGE,
    );
  }
}

function routeOf(pathname: string, params: URLSearchParams): Route | undefined {
  switch (pathname) {
    case '/stream':
    case '/video.mjpg':
    case '/stream.mjpg':
      return 'stream';
    case '/snapshot.jpg':
    case '/snapshot':
      return 'snapshot';
    case '/audio.wav':
      return 'wav';
    case '/av':
      return 'av';
    case '/state':
      return 'state';
    case '/':
    case '/index.html': {
      // mjpg-streamer's URL shapes: /?action=stream and /?action=snapshot.
      const action = params.get('action');
      if (action === 'stream') return 'stream';
      if (action === 'snapshot') return 'snapshot';
      return 'page';
    }
    default:
      return undefined;
  }
}

function isRead(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

function remoteOf(req: IncomingMessage): string {
  const socket = req.socket;
  const address = socket.remoteAddress ?? '?';
  return address.includes(':') ? `[${address}]:${socket.remotePort}` : `${address}:${socket.remotePort}`;
}

function sendBody(
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

function sendText(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, text: string): void {
  sendBody(
    res,
    status,
    { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
    res.req,
    `${status} ${text}\n`,
  );
}

/** `viewer 127.0.0.1:51234 connected to /stream (3 watching)` / `… left /stream: stalled after 12.0 s, …`. */
export function formatViewerEvent(event: ViewerEvent): string {
  if (event.event === 'connect') {
    return `viewer ${event.remote} connected to ${event.path} (${event.viewers} watching)`;
  }
  const seconds = ((event.durationMs ?? 0) / 1000).toFixed(1);
  const mib = ((event.bytesSent ?? 0) / 1048576).toFixed(1);
  const sent =
    event.kind === 'wav'
      ? `${event.audioSent} audio packets`
      : `${event.framesSent} frames (${event.framesSkipped} skipped)${event.kind === 'av' ? `, ${event.audioSent} audio packets` : ''}`;
  return `viewer ${event.remote} left ${event.path}: ${event.reason} after ${seconds} s, ${sent}, ${mib} MiB (${event.viewers} watching)`;
}
