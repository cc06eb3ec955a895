import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize } from './authorize.js';
import { FirstAudioWait } from './first-audio-wait.js';
import { type HandlerContext, type RequestContext, readRequest, settle } from './handler-context.js';
import { createBaseHeaders, type MjpegHandlerOptions, resolveHandlerOptions } from './handler-options.js';
import type { MjpegHub } from './hub.js';
import { servePage, serveWebRootFile } from './page-route.js';
import { answerPreflight, refuseMethod } from './preflight.js';
import { allowedMethods, type Route, routeOf } from './routes.js';
import { serveSnapshot } from './snapshot-route.js';
import { serveState } from './state-route.js';
import { serveStream, serveWav } from './stream-route.js';
import { formatViewerEvent } from './viewer-log.js';

/** `(req, res, next?)`: a `node:http` request listener and an Express/Connect middleware. */
export type MjpegHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * The HTTP handler of the URL surface, with ustreamer's and mjpg-streamer's aliases:
 * `/stream` (`/?action=stream`, `/video.mjpg`), `/snapshot.jpg` (`/snapshot`,
 * `/?action=snapshot`), `/audio.wav`, `/av`, `/state`, and `/` (the web app). Any other path
 * is a file of `webRoot` when there is one, else goes to `next()` when given, else 404.
 *
 * Each request is routed, then a CORS preflight or a wrong method is answered, then access
 * is checked, then the route serves it. A route that fails answers 500 (or `next(error)`).
 * From Fastify, call it with `reply.raw` after `reply.hijack()`.
 *
 * @throws ServerError `INVALID_OPTION` naming an option that cannot work (a negative or
 * infinite timeout, an `allowOrigin` that is not an origin, a `realm` or `serverName` that is
 * no header value, an empty `key`, a `webRoot` that is no directory).
 * @example
 * ```ts
 * const hub = new MjpegHub();
 * http.createServer(createMjpegHandler(hub, { allowOrigin: '*' })).listen(8080);
 * app.use(createMjpegHandler(hub)); // Express: unknown paths fall through
 * ```
 */
export function createMjpegHandler(hub: MjpegHub, options: MjpegHandlerOptions = {}): MjpegHandler {
  const config = resolveHandlerOptions(options);
  const log = config.log;
  const handler: HandlerContext = {
    hub,
    config,
    baseHeaders: createBaseHeaders(config),
    firstAudio: new FirstAudioWait(hub),
    onViewerEvent: log === undefined ? undefined : (event) => log(formatViewerEvent(event), event),
  };

  return (req, res, next) => {
    const request = readRequest(handler, req, res, next);
    if (request === undefined) return;
    const route = routeOf(request.url.pathname, request.url.searchParams);
    if (route === undefined) {
      settle(handler, request, () => serveWebRootFile(handler, request));
      return;
    }
    const allowed = allowedMethods(route);
    if (answerPreflight(handler, request, allowed) || refuseMethod(handler, request, allowed)) return;
    if (!authorize(handler, request, route)) return;
    settle(handler, request, () => serveRoute(handler, request, route));
  };
}

function serveRoute(handler: HandlerContext, request: RequestContext, route: Route): void | Promise<void> {
  switch (route) {
    case 'stream':
    case 'av':
      return serveStream(handler, request, route);
    case 'wav':
      return serveWav(handler, request);
    case 'snapshot':
      return serveSnapshot(handler, request);
    case 'state':
      return serveState(handler, request);
    case 'page':
      return servePage(handler, request);
  }
}
