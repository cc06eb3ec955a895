import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Camera, CameraRegistry } from './cameras.js';
import type { HandlerConfig, RefusalReason } from './handler-options.js';
import type { ViewerEvent } from './hub.js';
import type { ServerMetrics } from './metrics.js';
import { QueryError } from './query.js';
import { sendText } from './responses.js';
import { formatFailure, formatRefusal } from './viewer-log.js';

/** What every request of one handler shares. */
export interface HandlerContext {
  /** The cameras served; each request resolves its own (`RequestContext.camera`). */
  readonly cameras: CameraRegistry;
  readonly config: HandlerConfig;
  /** Server and CORS headers of every answer. */
  readonly baseHeaders: OutgoingHttpHeaders;
  /** The `/metrics` registry, made at the first scrape (a server never scraped pays nothing). */
  metrics: ServerMetrics | undefined;
  /** Given to each viewer this handler adds, so it logs its own viewers with no hub listener. */
  readonly onViewerEvent: ((event: ViewerEvent) => void) | undefined;
}

/** One request on its way through the handler. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly next: ((error?: unknown) => void) | undefined;
  readonly url: URL;
  /** Path and query for log lines, with a `key=` value hidden. */
  readonly logPath: string;
  /** The peer as `address:port` (`[v6]:port`). */
  readonly remote: string;
  /** The camera the route serves: the default one until routing resolves the request's own. */
  camera: Camera;
}

/** Reads the request's URL; answers 400 and returns `undefined` when it cannot be read. */
export function readRequest(
  handler: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  next: RequestContext['next'],
): RequestContext | undefined {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    sendText(res, 400, handler.baseHeaders, 'Bad Request: unreadable URL');
    return undefined;
  }
  return {
    req,
    res,
    next,
    url,
    logPath: pathForLog(url),
    remote: remoteOf(req),
    camera: handler.cameras.default,
  };
}

/** Logs a refused viewer (`limit`, `auth`). */
export function logRefusal(handler: HandlerContext, request: RequestContext, reason: RefusalReason): void {
  const log = handler.config.log;
  if (log === undefined) return;
  // A refused key is not echoed, not even hidden: the path alone says what was asked for.
  const path = reason === 'auth' ? request.url.pathname : request.logPath;
  const event = {
    event: 'refuse',
    reason,
    path,
    remote: request.remote,
    viewers: request.camera.hub.viewerCount,
  } as const;
  log(formatRefusal(event), event);
}

/**
 * Answers a request whose route threw or rejected: a bad query value is a 400; anything else
 * goes to `next(error)` when given, else a 500 (a response already under way is cut, since its
 * status is sent), and is logged. Never left as an unhandled rejection.
 */
export function answerError(handler: HandlerContext, request: RequestContext, error: unknown): void {
  const { res } = request;
  if (error instanceof QueryError) {
    sendText(res, 400, handler.baseHeaders, `Bad Request: ${error.message}`);
    return;
  }
  if (res.headersSent) res.destroy();
  else if (request.next !== undefined) request.next(error);
  else sendText(res, 500, handler.baseHeaders, 'Internal Server Error');
  const log = handler.config.log;
  if (log === undefined) return;
  const event = { event: 'error', path: request.logPath, remote: request.remote, error } as const;
  log(formatFailure(event), event);
}

/** Runs a route: whatever it throws or rejects with goes to {@link answerError}. */
export function settle(
  handler: HandlerContext,
  request: RequestContext,
  serve: () => void | Promise<void>,
): void {
  try {
    const done = serve();
    if (done !== undefined) done.catch((error: unknown) => answerError(handler, request, error));
  } catch (error) {
    answerError(handler, request, error);
  }
}

function remoteOf(req: IncomingMessage): string {
  const socket = req.socket;
  const address = socket.remoteAddress ?? '?';
  return address.includes(':') ? `[${address}]:${socket.remotePort}` : `${address}:${socket.remotePort}`;
}

/** Log lines keep the query (it says what a viewer asked for) but not the secret in `key=`. */
function pathForLog(url: URL): string {
  if (!url.searchParams.has('key')) return url.pathname + url.search;
  return url.pathname + url.search.replace(/([?&]key=)[^&]*/g, '$1…');
}
