import type { ConnectionState, ReconnectOptions, StatusEvent } from '@mjpeg-kit/bytes';
import { backoffDelayMs, sleep } from '@mjpeg-kit/bytes';
import { connectTimeoutError, describeError, idleError, toStreamError } from '../attempt-failures.js';
import { basicAuthorization, splitCredentials } from '../auth.js';
import { StreamError, type StreamErrorCode } from '../errors.js';
import { type WsCameraHost, type WsCameraOptions, WsCameraSession, type WsCameraStream } from './camera.js';
import {
  decodeWsPacket,
  MAX_WS_CREDIT,
  MAX_WS_FPS,
  MAX_WS_SUBSCRIPTIONS,
  parseWsServerMessage,
  WS_PROTOCOL,
  type WsCameraInfo,
} from './protocol.js';

/** Default `connectTimeoutMs` of `/ws`: no `hello` for this long ends the attempt. */
export const DEFAULT_WS_CONNECT_TIMEOUT_MS = 10_000;
/** Default `idleTimeoutMs` of `/ws`. */
export const DEFAULT_WS_IDLE_TIMEOUT_MS = 10_000;
/** Default `maxMessageBytes`: the largest binary message accepted. */
export const DEFAULT_WS_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/**
 * The part of the WebSocket API this client uses: the browser's `WebSocket` and the `ws`
 * package's both fit.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // biome-ignore lint/suspicious/noExplicitAny: the browser's and ws's event types differ; only data, code, reason, message are read.
  onopen: ((event: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  onmessage: ((event: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  onclose: ((event: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  onerror: ((event: any) => void) | null;
}

/** A WebSocket constructor; the third argument (headers, maxPayload) is passed only to one given in `options.WebSocket`. */
export type WebSocketConstructor = new (
  url: string,
  protocols: string[],
  // biome-ignore lint/suspicious/noExplicitAny: ws's ClientOptions, unknown to the browser's constructor.
  options?: any,
) => WebSocketLike;

/** Options of {@link openWsConnection}. */
export interface WsConnectionOptions {
  /**
   * The WebSocket constructor. Default: the global `WebSocket` (browsers, Deno, Node 22+). In
   * Node 20 pass the `ws` package's: `import WebSocket from 'ws'`.
   */
  WebSocket?: WebSocketConstructor;
  /** Closes the connection: every camera's iteration ends without an error. */
  signal?: AbortSignal;
  /** Connection state: `connecting` (with `attempt` on reconnects), `open` (after `hello`), `reconnecting`, `closed`. */
  onStatus?: (event: StatusEvent) => void;
  /** The cameras each `hello` lists. */
  onHello?: (cameras: WsCameraInfo[]) => void;
  /** `false`: end every camera with the first failure. Default: on, 500 ms to 10 s with jitter. */
  reconnect?: false | ReconnectOptions;
  /** No `hello` for this long (ms) ends the attempt with `CONNECT_TIMEOUT`. Default 10000. */
  connectTimeoutMs?: number;
  /**
   * A consumer waiting this long (ms) on a subscribed camera the server calls online, with no
   * packet for it, ends the attempt with `IDLE_TIMEOUT` (and reconnects). Default 10000.
   */
  idleTimeoutMs?: number;
  /** An access key, sent as `?key=` (the way to authenticate from a browser). */
  key?: string;
  /**
   * Extra upgrade request headers, e.g. `Authorization`; only with `options.WebSocket` (a browser
   * WebSocket cannot send headers). Credentials in the URL become a Basic `Authorization` there too.
   */
  headers?: Record<string, string>;
  /** The largest binary message accepted, bytes; a larger one is a `PROTOCOL` error. Default 32 MiB. */
  maxMessageBytes?: number;
}

/** Live counters of a `/ws` connection. */
export interface WsConnectionStats {
  state: ConnectionState;
  /** Reconnects made (attempts after the first). */
  reconnects: number;
  /** Messages received, all attempts. */
  messages: number;
  /** Binary message bytes received, all attempts. */
  bytes: number;
  /** The URL connected to (without credentials or key). */
  url: string;
  /** The last error an attempt ended with. */
  lastError: StreamError | undefined;
}

/** What {@link openWsConnection} returns. */
export interface WsConnection {
  readonly stats: WsConnectionStats;
  /** The cameras of the latest `hello`; empty until the first. */
  readonly cameras: readonly WsCameraInfo[];
  /**
   * Subscribes to `name` (again after every reconnect) and returns its packets.
   * @throws StreamError `INVALID_OPTION` for a camera already open on this connection, more than 64
   *   cameras, or `credit` / `fps` out of range.
   */
  camera(name: string, options?: WsCameraOptions): WsCameraStream;
  /** Closes the socket; every camera's iteration ends (as `signal` does). */
  close(): void;
}

const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED = 1003;
const CLOSE_POLICY = 1008;
const OPEN = 1;

/**
 * Opens one WebSocket to an mjpeg-kit `/ws` endpoint (`ws://`, `wss://`, or `http(s)://`,
 * mapped) and multiplexes any number of cameras over it, each with its own credit. Reconnects
 * with backoff and re-subscribes every camera. See the README's "The /ws protocol".
 *
 * @example
 * ```ts
 * import WebSocket from 'ws'; // Node 20; browsers have a global WebSocket
 * const connection = openWsConnection('ws://host:8080/ws', { WebSocket, signal });
 * for await (const packet of connection.camera('front', { credit: 2 })) show(packet.body);
 * ```
 */
export function openWsConnection(url: string | URL, options: WsConnectionOptions = {}): WsConnection {
  return new WsConnectionSession(url, options);
}

class WsConnectionSession implements WsConnection, WsCameraHost {
  readonly stats: WsConnectionStats;
  cameras: readonly WsCameraInfo[] = [];
  readonly idleTimeoutMs: number;
  readonly #options: WsConnectionOptions;
  readonly #sessions = new Map<string, WsCameraSession>();
  readonly #closer = new AbortController();
  readonly #signal: AbortSignal;
  #url: string | undefined;
  #headers: Record<string, string> = {};
  #socket: WebSocketLike | undefined;
  #ready = false;
  #failAttempt: ((error: StreamError) => void) | undefined;
  #terminal: StreamError | undefined;

  constructor(url: string | URL, options: WsConnectionOptions) {
    this.#options = options;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_WS_IDLE_TIMEOUT_MS;
    // Not AbortSignal.any: Safari before 17.4 lacks it.
    this.#signal = this.#closer.signal;
    const outer = options.signal;
    if (outer?.aborted) this.#closer.abort();
    else
      outer?.addEventListener('abort', () => this.#closer.abort(), {
        once: true,
        signal: this.#closer.signal,
      });
    this.stats = {
      state: 'connecting',
      reconnects: 0,
      messages: 0,
      bytes: 0,
      url: typeof url === 'string' ? url : url.href,
      lastError: undefined,
    };
    try {
      this.#prepare(url);
    } catch (cause) {
      this.#terminal = new StreamError('INVALID_URL', `cannot parse /ws URL: ${describeError(cause)}`, {
        cause,
      });
    }
    if (
      this.#terminal === undefined &&
      options.WebSocket === undefined &&
      globalThis.WebSocket === undefined
    ) {
      this.#terminal = new StreamError(
        'INVALID_OPTION',
        'no global WebSocket here: pass options.WebSocket (e.g. the ws package)',
        { option: 'WebSocket' },
      );
    }
    if (this.#terminal !== undefined) {
      this.stats.lastError = this.#terminal;
      this.#status({ state: 'closed', error: this.#terminal });
      return;
    }
    void this.#run();
  }

  get ready(): boolean {
    return this.#ready;
  }

  camera(name: string, options: WsCameraOptions = {}): WsCameraStream {
    if (typeof name !== 'string' || name === '')
      throw new StreamError('INVALID_OPTION', 'camera needs a name', { option: 'camera' });
    if (this.#sessions.has(name))
      throw new StreamError('INVALID_OPTION', `camera ${name} is already open on this connection`, {
        option: 'camera',
      });
    if (this.#sessions.size >= MAX_WS_SUBSCRIPTIONS)
      throw new StreamError('INVALID_OPTION', `at most ${MAX_WS_SUBSCRIPTIONS} cameras per connection`, {
        option: 'camera',
      });
    const credit = options.credit ?? 2;
    if (!Number.isInteger(credit) || credit < 1 || credit > MAX_WS_CREDIT)
      throw new StreamError('INVALID_OPTION', `credit must be an integer 1..${MAX_WS_CREDIT}`, {
        option: 'credit',
      });
    const fps = options.fps;
    if (fps !== undefined && !(typeof fps === 'number' && fps >= 1 && fps <= MAX_WS_FPS))
      throw new StreamError('INVALID_OPTION', `fps must be 1..${MAX_WS_FPS}`, { option: 'fps' });
    const session = new WsCameraSession(this, name, options, this.stats.url);
    if (this.#terminal !== undefined) {
      session.fail(this.#terminal);
      return session.stream();
    }
    if (this.#signal.aborted) {
      session.end();
      return session.stream();
    }
    this.#sessions.set(name, session);
    if (this.#ready) this.send(session.subscribeMessage());
    return session.stream();
  }

  close(): void {
    this.#closer.abort();
  }

  send(message: object): void {
    const socket = this.#socket;
    if (!this.#ready || socket === undefined || socket.readyState !== OPEN) return;
    try {
      socket.send(JSON.stringify(message));
    } catch {
      // The socket is closing; its close event ends the attempt.
    }
  }

  remove(camera: WsCameraSession): void {
    if (this.#sessions.get(camera.name) !== camera) return;
    this.#sessions.delete(camera.name);
    this.send({ type: 'unsubscribe', camera: camera.name });
  }

  idle(camera: WsCameraSession, waitedMs: number): void {
    this.#failAttempt?.(
      idleError(
        this.idleTimeoutMs,
        new Error(`no packet of camera ${camera.name} for ${Math.round(waitedMs)} ms`),
      ),
    );
  }

  #prepare(input: string | URL): void {
    const { url, credentials } = splitCredentials(input);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    else if (url.protocol === 'https:') url.protocol = 'wss:';
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`scheme ${url.protocol}`);
    url.hash = '';
    this.stats.url = url.href;
    if (this.#options.key !== undefined) url.searchParams.set('key', this.#options.key);
    this.#url = url.href;
    const headers: Record<string, string> = {};
    if (credentials !== undefined) headers.authorization = basicAuthorization(credentials);
    for (const [name, value] of Object.entries(this.#options.headers ?? {}))
      headers[name.toLowerCase()] = value;
    this.#headers = headers;
  }

  #status(event: StatusEvent): void {
    this.stats.state = event.state;
    if (event.error instanceof StreamError) this.stats.lastError = event.error;
    try {
      this.#options.onStatus?.(event);
    } catch {
      // A throwing listener must not break the stream.
    }
    for (const session of this.#sessions.values()) {
      // A camera is `open` once subscribed, not when the socket opens.
      if (event.state !== 'open') session.status(event);
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    let attempt = 0;
    try {
      while (!this.#signal.aborted) {
        this.#status(attempt === 0 ? { state: 'connecting' } : { state: 'connecting', attempt });
        const { error, delivered } = await this.#attempt();
        if (error === undefined || this.#signal.aborted) return;
        this.stats.lastError = error;
        if (this.#options.reconnect === false || error.code === 'PROTOCOL' || error.code === 'INVALID_URL') {
          this.#terminal = error;
          return;
        }
        failures = delivered ? 1 : failures + 1;
        attempt++;
        const delayMs = backoffDelayMs(failures, this.#options.reconnect);
        this.#status({ state: 'reconnecting', attempt, delayMs, error });
        if (!(await sleep(delayMs, this.#signal))) return;
        this.stats.reconnects++;
      }
    } catch (caught) {
      this.#terminal = toStreamError(caught);
    } finally {
      const error = this.#terminal;
      this.#status(error ? { state: 'closed', error } : { state: 'closed' });
      for (const session of [...this.#sessions.values()]) {
        if (error) session.fail(error);
        else session.end();
      }
      this.#sessions.clear();
    }
  }

  /** One socket, until it fails (an error) or the signal aborts (`error` undefined). */
  #attempt(): Promise<{ error: StreamError | undefined; delivered: boolean }> {
    return new Promise((resolve) => {
      let delivered = false;
      let socket: WebSocketLike;
      let serverError: string | undefined;
      const connectTimeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_WS_CONNECT_TIMEOUT_MS;
      const maxMessageBytes = this.#options.maxMessageBytes ?? DEFAULT_WS_MAX_MESSAGE_BYTES;
      const finish = (error: StreamError | undefined) => {
        clearTimeout(timer);
        this.#signal.removeEventListener('abort', onAbort);
        this.#failAttempt = undefined;
        this.#ready = false;
        this.#socket = undefined;
        if (socket !== undefined) {
          socket.onopen = socket.onmessage = socket.onclose = null;
          // Errors after the end (a late handshake failure) must not be unhandled.
          socket.onerror = () => {};
          try {
            socket.close(CLOSE_NORMAL);
          } catch {
            // Not open yet: closing an unopened browser socket can throw.
          }
        }
        resolve({ error, delivered });
      };
      const fail = (error: StreamError) => finish(error);
      const onAbort = () => finish(undefined);
      const timer = setTimeout(
        () => fail(connectTimeoutError(connectTimeoutMs, new Error('no hello'))),
        connectTimeoutMs,
      );
      this.#signal.addEventListener('abort', onAbort, { once: true });
      this.#failAttempt = fail;
      try {
        const Constructor = this.#options.WebSocket;
        socket =
          Constructor !== undefined
            ? new Constructor(this.#url!, [WS_PROTOCOL], {
                headers: this.#headers,
                maxPayload: maxMessageBytes,
              })
            : new globalThis.WebSocket(this.#url!, [WS_PROTOCOL]);
        socket.binaryType = 'arraybuffer';
      } catch (cause) {
        fail(
          new StreamError('INVALID_URL', `cannot open ${this.stats.url}: ${describeError(cause)}`, { cause }),
        );
        return;
      }
      this.#socket = socket;
      socket.onerror = (event: { message?: unknown; error?: unknown }) => {
        fail(handshakeError(event, this.stats.url));
      };
      socket.onclose = (event: { code?: number; reason?: string }) => {
        const code = event.code ?? 1006;
        const reason = event.reason ? ` (${event.reason})` : '';
        const said = serverError ? `; the server said ${serverError}` : '';
        if (code === CLOSE_POLICY || code === CLOSE_UNSUPPORTED)
          fail(new StreamError('PROTOCOL', `the server closed /ws with ${code}${reason}${said}`));
        else fail(new StreamError('NETWORK', `/ws closed with ${code}${reason}${said}`));
      };
      socket.onmessage = (event: { data: unknown }) => {
        this.stats.messages++;
        try {
          const data = event.data;
          if (typeof data === 'string') {
            const problem = this.#onText(data, socket);
            if (problem !== undefined) serverError = problem;
            if (this.#ready) clearTimeout(timer);
            return;
          }
          const bytes =
            data instanceof ArrayBuffer
              ? new Uint8Array(data)
              : ArrayBuffer.isView(data)
                ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
                : undefined;
          if (bytes === undefined)
            throw new StreamError('PROTOCOL', 'a binary message that is not an ArrayBuffer');
          this.stats.bytes += bytes.length;
          if (bytes.length > maxMessageBytes)
            throw new StreamError(
              'PROTOCOL',
              `a binary message of ${bytes.length} bytes (maxMessageBytes ${maxMessageBytes})`,
            );
          if (!this.#ready) return;
          const packet = decodeWsPacket(bytes);
          const session = this.#sessions.get(packet.camera);
          if (session === undefined) return;
          delivered = true;
          session.push(packet, bytes.length);
        } catch (caught) {
          fail(toStreamError(caught));
        }
      };
    });
  }

  /** Handles a text message; returns a connection-level server error's text, kept for the close that follows. */
  #onText(text: string, socket: WebSocketLike): string | undefined {
    const message = parseWsServerMessage(text);
    if (message === undefined) return undefined;
    switch (message.type) {
      case 'hello': {
        if (message.protocol !== WS_PROTOCOL)
          throw new StreamError(
            'PROTOCOL',
            `the server speaks ${message.protocol.slice(0, 64)}, not ${WS_PROTOCOL}`,
          );
        this.cameras = message.cameras;
        if (this.#ready) return undefined;
        this.#socket = socket;
        this.#ready = true;
        this.#status({ state: 'open' });
        try {
          this.#options.onHello?.(message.cameras);
        } catch {
          // A throwing listener must not break the stream.
        }
        for (const session of this.#sessions.values()) {
          session.resubscribing();
          this.send(session.subscribeMessage());
        }
        return undefined;
      }
      case 'subscribed':
        this.#sessions.get(message.camera)?.subscribed(message.online, message.audio);
        return undefined;
      case 'status':
        this.#sessions.get(message.camera)?.setOnline(message.online);
        return undefined;
      case 'error': {
        const session = message.camera === undefined ? undefined : this.#sessions.get(message.camera);
        if (session === undefined) return `${message.code}: ${message.message}`;
        this.#sessions.delete(session.name);
        session.fail(cameraError(message.code, message.message, message.known));
        return undefined;
      }
    }
  }
}

function cameraError(code: string, message: string, known: string[] | undefined): StreamError {
  const names = known === undefined ? '' : ` (cameras: ${known.slice(0, 20).join(', ')})`;
  const mapped: StreamErrorCode =
    code === 'UNKNOWN_CAMERA' ? 'UNKNOWN_CAMERA' : code === 'VIEWER_LIMIT' ? 'VIEWER_LIMIT' : 'SERVER_ERROR';
  return new StreamError(mapped, `${code}: ${message}${names}`);
}

/**
 * What a socket `error` event means. The `ws` package names the refused upgrade's status
 * ("Unexpected server response: 401"); a browser says nothing, so it is `NETWORK`.
 */
function handshakeError(event: { message?: unknown; error?: unknown }, url: string): StreamError {
  const text = typeof event.message === 'string' ? event.message : describeError(event.error ?? 'error');
  const status = /Unexpected server response: (\d{3})/.exec(text)?.[1];
  if (status !== undefined) {
    const code = Number(status);
    if (code === 401) return new StreamError('AUTH_FAILED', `the server refused /ws: 401`, { status: code });
    return new StreamError('HTTP_STATUS', `the server refused /ws: ${code}`, { status: code });
  }
  return new StreamError('NETWORK', `cannot open ${url}: ${text}`, { cause: event.error });
}
