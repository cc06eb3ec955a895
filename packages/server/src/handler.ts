import type { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import { authorize } from './authorize.js';
import { CameraRegistry, DEFAULT_CAMERA_NAME } from './cameras.js';
import { findCamera, refuseUnknownCamera, serveCams } from './cams-route.js';
import { ServerError } from './errors.js';
import { type HandlerContext, type RequestContext, readRequest, settle } from './handler-context.js';
import { createBaseHeaders, type MjpegHandlerOptions, resolveHandlerOptions } from './handler-options.js';
import { MjpegHub } from './hub.js';
import { serveMetrics } from './metrics-route.js';
import { servePage, serveWebRootFile } from './page-route.js';
import { answerPreflight, refuseMethod } from './preflight.js';
import { sendText } from './responses.js';
import { allowedMethods, type Route, routeOf } from './routes.js';
import { serveSnapshot } from './snapshot-route.js';
import { serveCameraState, serveState } from './state-route.js';
import { serveStream, serveWav } from './stream-route.js';
import { formatViewerEvent } from './viewer-log.js';
import { WS_PROTOCOL } from './ws-messages.js';
import { WsRoute } from './ws-route.js';

/** The `node:http` shape of {@link MjpegHandler}: a request listener and an Express/Connect middleware. */
type Http1Handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * `(req, res, next?)`: a `node:http` request listener, an Express/Connect middleware, and a
 * `node:http2` compatibility-API listener (`http2.createSecureServer({ allowHTTP1: true, … },
 * handler)`), which serves HTTP/2 and HTTP/1.1 alike.
 */
export type MjpegHandler = Http1Handler &
  ((req: Http2ServerRequest, res: Http2ServerResponse, next?: (error?: unknown) => void) => void) & {
    /**
     * Serves a WebSocket upgrade to `/ws` (subprotocol `mjpeg-kit.v1`): call it from the
     * server's `upgrade` event (`node:http`, or `node:http2` with `allowHTTP1`). Access is
     * checked before the handshake completes; a refusal is a plain HTTP answer on the socket
     * (401, 400 without the subprotocol, 503 at the viewer limit or after shutdown).
     * Returns `false`, touching nothing, for any other upgrade (another path, `h2c` …).
     *
     * @example
     * ```ts
     * server.on('upgrade', (req, socket, head) => {
     *   if (!handler.upgrade(req, socket, head)) socket.destroy();
     * });
     * ```
     */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
    /** Open `/ws` connections. */
    readonly wsConnections: number;
  };

/**
 * The HTTP handler of the URL surface, for one hub (served as the camera `default`) or a
 * {@link CameraRegistry} of named cameras, with ustreamer's, mjpg-streamer's, crowsnest's and
 * go2rtc's aliases:
 * - the default (first) camera: `/stream` (`/?action=stream`, `/video.mjpg`), `/snapshot.jpg`
 *   (`/snapshot`, `/?action=snapshot`), `/audio.wav`, `/av`, `/state` (with `cameras` added);
 * - each camera: `/cams/NAME/{stream,snapshot.jpg,av,audio.wav,state}`; by position from 0
 *   `/?action=stream_N` and `snapshot_N`; `/webcam/?action=stream|snapshot` (1st),
 *   `/webcamN/?action=…` (Nth, N ≥ 2); `/api/stream.mjpeg?src=NAME`, `/api/frame.jpeg?src=NAME`;
 *   an unknown camera is 404 with JSON `{ error, cameras: [names] }`;
 * - `/cams` (the list), `/metrics` (Prometheus text), and `/` (the web app);
 * - `/ws`, every camera over one WebSocket, through `handler.upgrade` (a plain GET is 426).
 * Any other path is a file of `webRoot` when there is one, else goes to `next()` when given, else 404.
 *
 * Each request is routed, then a CORS preflight or a wrong method is answered, then access
 * is checked, then the route serves it. A route that fails answers 500 (or `next(error)`).
 * From Fastify, call it with `reply.raw` after `reply.hijack()`.
 *
 * @throws ServerError `INVALID_OPTION` naming an option that cannot work (a negative or
 * infinite timeout, an `allowOrigin` that is not an origin, a `realm` or `serverName` that is
 * no header value, an empty `key` or `metricsKey`, a `webRoot` that is no directory);
 * `INVALID_CAMERA` for an empty registry.
 * @example
 * ```ts
 * const hub = new MjpegHub();
 * http.createServer(createMjpegHandler(hub, { allowOrigin: '*' })).listen(8080);
 * app.use(createMjpegHandler(hub)); // Express: unknown paths fall through
 * const cameras = new CameraRegistry([
 *   { name: 'front', hub: frontHub, runs: [], audio: true },
 *   { name: 'desk', hub: deskHub, runs: [], audio: false },
 * ]);
 * http.createServer(createMjpegHandler(cameras)).listen(8080); // /cams/desk/stream …
 * ```
 */
export function createMjpegHandler(
  cameras: MjpegHub | CameraRegistry,
  options: MjpegHandlerOptions = {},
): MjpegHandler {
  const config = resolveHandlerOptions(options);
  const log = config.log;
  const handler: HandlerContext = {
    cameras: toRegistry(cameras, config.audio),
    config,
    baseHeaders: createBaseHeaders(config),
    metrics: undefined,
    onViewerEvent: log === undefined ? undefined : (event) => log(formatViewerEvent(event), event),
  };

  // One body for both protocols: it reads only what node:http's and node:http2's compatibility
  // objects share, and a stream route writes to `res.stream` on HTTP/2.
  const handle: Http1Handler = (req, res, next) => {
    const request = readRequest(handler, req, res, next);
    if (request === undefined) return;
    const match = routeOf(request.url.pathname, request.url.searchParams);
    if (match === undefined) {
      settle(handler, request, () => serveWebRootFile(handler, request));
      return;
    }
    const { route } = match;
    const allowed = allowedMethods(route);
    if (answerPreflight(handler, request, allowed) || refuseMethod(handler, request, allowed)) return;
    // Access first: who may not look learns nothing, not even which cameras exist.
    if (!authorize(handler, request, route)) return;
    const camera = findCamera(handler, match.camera);
    if (camera === undefined) {
      refuseUnknownCamera(handler, request, match.camera);
      return;
    }
    request.camera = camera;
    settle(handler, request, () => serveRoute(handler, request, route));
  };
  const ws = new WsRoute(handler);
  return Object.defineProperties(handle, {
    upgrade: { value: (req: IncomingMessage, socket: Duplex, head: Buffer) => ws.upgrade(req, socket, head) },
    wsConnections: { get: () => ws.connectionCount },
  }) as MjpegHandler;
}

/** A hub alone is a registry of one camera, `default`, whose audio flag is the `audio` option. */
function toRegistry(cameras: MjpegHub | CameraRegistry, audio: boolean): CameraRegistry {
  if (cameras instanceof CameraRegistry) {
    if (cameras.size === 0) {
      throw new ServerError('INVALID_CAMERA', 'the camera registry is empty: add a camera first');
    }
    return cameras;
  }
  if (cameras instanceof MjpegHub) {
    return new CameraRegistry([{ name: DEFAULT_CAMERA_NAME, hub: cameras, runs: [], audio }]);
  }
  throw new ServerError('INVALID_OPTION', 'createMjpegHandler needs an MjpegHub or a CameraRegistry', {
    option: 'cameras',
  });
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
    case 'camera-state':
      return serveCameraState(handler, request);
    case 'cams':
      return serveCams(handler, request);
    case 'metrics':
      return serveMetrics(handler, request);
    case 'page':
      return servePage(handler, request);
    case 'ws':
      return refuseWithoutUpgrade(handler, request);
  }
}

/** `/ws` is only a WebSocket: a plain request learns how to ask (RFC 9110 §15.5.22). */
function refuseWithoutUpgrade(handler: HandlerContext, request: RequestContext): void {
  sendText(
    request.res,
    426,
    { ...handler.baseHeaders, Upgrade: 'websocket' },
    `Upgrade Required: /ws is a WebSocket (subprotocol ${WS_PROTOCOL})`,
  );
}
