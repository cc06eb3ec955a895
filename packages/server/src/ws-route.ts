import type { Buffer } from 'node:buffer';
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { authorize } from './authorize.js';
import type { Camera } from './cameras.js';
import { type HandlerContext, logRefusal, readRequest } from './handler-context.js';
import type { WsConnectionEvent } from './handler-options.js';
import type { SourceState } from './hub.js';
import { sendText } from './responses.js';
import { routeOf } from './routes.js';
import { formatWsEvent } from './viewer-log.js';
import { MAX_WS_MESSAGE_BYTES, WS_CLOSE_GOING_AWAY, WS_PROTOCOL } from './ws-messages.js';
import {
  WS_MAX_BUFFERED_BYTES,
  WS_PING_INTERVAL_MS,
  WS_PONG_TIMEOUT_MS,
  WsSession,
  type WsSessionTimings,
} from './ws-session.js';

/** How long a connection closed at shutdown may take for its close handshake, ms. */
const CLOSE_HANDSHAKE_MS = 2000;

/**
 * Messages above this are cut by `ws` itself (close 1009) before being buffered whole; those
 * between {@link MAX_WS_MESSAGE_BYTES} and it get an `error` and close 1008.
 */
const MAX_FRAME_PAYLOAD_BYTES = 64 * 1024;

interface CameraWatch {
  readonly onSource: (state: SourceState) => void;
  readonly onClose: () => void;
}

/**
 * The `/ws` transport of one handler: answers upgrades (access, subprotocol and limits
 * checked before the handshake completes, refusals as plain HTTP), and keeps the connections,
 * which it closes with 1001 once every camera's hub has closed.
 */
export class WsRoute {
  readonly #handler: HandlerContext;
  readonly #server: WebSocketServer;
  readonly #sessions = new Set<WsSession>();
  readonly #watched = new Map<Camera, CameraWatch>();
  readonly #timings: WsSessionTimings;
  #shutDown = false;

  constructor(handler: HandlerContext, timings: Partial<WsSessionTimings> = {}) {
    this.#handler = handler;
    this.#timings = {
      pingIntervalMs: timings.pingIntervalMs ?? WS_PING_INTERVAL_MS,
      pongTimeoutMs: timings.pongTimeoutMs ?? WS_PONG_TIMEOUT_MS,
      maxBufferedBytes: timings.maxBufferedBytes ?? WS_MAX_BUFFERED_BYTES,
    };
    this.#server = new WebSocketServer({
      noServer: true,
      // JPEG does not deflate, and compressing would copy every body per connection.
      perMessageDeflate: false,
      maxPayload: Math.max(MAX_FRAME_PAYLOAD_BYTES, MAX_WS_MESSAGE_BYTES),
      clientTracking: false,
      handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
    });
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Takes a WebSocket upgrade to `/ws`; returns `false` (touching nothing) for any other
   * upgrade. Refusals are plain HTTP answers on the socket: 401 as for every route, 400
   * without the `mjpeg-kit.v1` subprotocol, 503 at the viewer limit or after shutdown.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!isWebSocketUpgrade(req)) return false;
    let pathname: string;
    let params: URLSearchParams;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      pathname = url.pathname;
      params = url.searchParams;
    } catch {
      return false;
    }
    if (routeOf(pathname, params)?.route !== 'ws') return false;
    socket.on('error', () => socket.destroy());
    const res = responseOn(req, socket);
    const request = readRequest(this.#handler, req, res, undefined);
    if (request === undefined) return true;
    if (req.method !== 'GET') {
      sendText(res, 405, { ...this.#handler.baseHeaders, Allow: 'GET' }, 'Method Not Allowed');
      return true;
    }
    // Access first: who may not look learns nothing, not even which cameras exist.
    if (!authorize(this.#handler, request, 'ws')) return true;
    if (!offersProtocol(req)) {
      sendText(
        res,
        400,
        this.#handler.baseHeaders,
        `Bad Request: offer the WebSocket subprotocol ${WS_PROTOCOL} (Sec-WebSocket-Protocol)`,
      );
      return true;
    }
    if (!this.#admits()) {
      logRefusal(this.#handler, request, 'limit');
      sendText(res, 503, { ...this.#handler.baseHeaders, 'Retry-After': '5' }, 'Service Unavailable');
      return true;
    }
    res.detachSocket(socket as Socket);
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#open(ws, request.logPath, request.remote));
    return true;
  }

  /** Closes every connection with 1001 (terminated if the handshake does not finish in time). */
  shutdown(): void {
    this.#shutDown = true;
    for (const session of [...this.#sessions]) this.#goAway(session);
  }

  #admits(): boolean {
    if (this.#shutDown) return false;
    let open = false;
    let limit = 0;
    for (const camera of this.#handler.cameras) {
      if (camera.hub.closed) continue;
      open = true;
      limit = Math.max(limit, camera.hub.maxViewers);
    }
    return open && this.#sessions.size < limit;
  }

  #open(ws: WebSocket, path: string, remote: string): void {
    if (this.#shutDown) {
      ws.close(WS_CLOSE_GOING_AWAY, 'server shutting down');
      return;
    }
    this.#watchCameras();
    const session = new WsSession(
      ws,
      this.#handler.cameras,
      this.#timings,
      (ended) => {
        this.#sessions.delete(ended);
        this.#log({ event: 'ws-close', path, remote, connections: this.#sessions.size, ...ended.summary });
      },
      // A camera added to the registry after this connection opened.
      (camera) => this.#watch(camera),
    );
    this.#sessions.add(session);
    this.#log({ event: 'ws-open', path, remote, connections: this.#sessions.size });
  }

  #log(event: WsConnectionEvent): void {
    this.#handler.config.log?.(formatWsEvent(event), event);
  }

  #goAway(session: WsSession): void {
    session.close(WS_CLOSE_GOING_AWAY, 'server shutting down');
    const timer = setTimeout(() => session.terminate('no close handshake at shutdown'), CLOSE_HANDSHAKE_MS);
    timer.unref?.();
  }

  /**
   * One listener per camera (not per connection, which would trip EventEmitter's leak
   * warning): status changes and the hub's close go to every connection.
   */
  #watchCameras(): void {
    for (const camera of this.#handler.cameras) this.#watch(camera);
  }

  #watch(camera: Camera): void {
    if (this.#watched.has(camera) || camera.hub.closed) return;
    const watch: CameraWatch = {
      onSource: (state) => {
        for (const session of this.#sessions) session.cameraStatus(camera, state.online);
      },
      onClose: () => {
        this.#watched.delete(camera);
        for (const session of this.#sessions) session.cameraClosed(camera);
        if (this.#allClosed()) this.shutdown();
      },
    };
    this.#watched.set(camera, watch);
    camera.hub.on('source', watch.onSource);
    camera.hub.once('close', watch.onClose);
  }

  #allClosed(): boolean {
    for (const camera of this.#handler.cameras) if (!camera.hub.closed) return false;
    return true;
  }
}

/** A GET with `Upgrade: websocket` (any case); other upgrades (h2c …) are not ours. */
function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.trim().toLowerCase() === 'websocket';
}

function offersProtocol(req: IncomingMessage): boolean {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((protocol) => protocol.trim() === WS_PROTOCOL);
}

/**
 * A response written straight onto an upgrade's socket, so refusals go through the same
 * `authorize` and `sendText` as every other route; the socket is closed once it is sent.
 */
function responseOn(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
    // A peer that never reads must not hold the socket.
    setTimeout(() => socket.destroy(), CLOSE_HANDSHAKE_MS).unref();
  });
  return res;
}
