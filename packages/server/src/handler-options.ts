import { statSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import packageJson from '../package.json' with { type: 'json' };
import { AccessControl, type BasicCredentials } from './access.js';
import { ServerError } from './errors.js';
import type { ViewerEvent } from './hub.js';
import {
  checkBooleanOption,
  checkFunctionOption,
  checkNumberOption,
  checkStringOption,
  HEADER_TEXT,
  invalidOption,
} from './option-checks.js';
import { MAX_SNAPSHOT_DELAY_MS } from './query.js';
import type { WsSessionSummary } from './ws-session.js';

/** Default `?max_delay=` of snapshots, ms. */
export const DEFAULT_SNAPSHOT_MAX_DELAY_MS = 300;
/** Default `snapshotTimeoutMs`: how long a snapshot waits for a fresh frame. */
export const DEFAULT_SNAPSHOT_TIMEOUT_MS = 2000;
/** Default `audioTimeoutMs`: how long `/audio.wav` waits for a hub's first audio packet. */
export const DEFAULT_AUDIO_TIMEOUT_MS = 2000;

/** The `Server` header value: `mjpeg-kit/<version>`. */
export const SERVER_NAME = `mjpeg-kit/${packageJson.version}`;

const DEFAULT_REALM = 'mjpeg-kit';

/** Why a request was refused before it became a viewer. */
export type RefusalReason = 'limit' | 'auth';

/** What the `log` option receives besides the line: a viewer event, a refusal or a failed request. */
export type HandlerLogEvent =
  | ViewerEvent
  | WsConnectionEvent
  | { event: 'refuse'; reason: RefusalReason; path: string; remote: string; viewers: number }
  | { event: 'error'; path: string; remote: string; error: unknown };

/** A `/ws` connection opened or closed (`connections`: open ones after it). */
export type WsConnectionEvent =
  | { event: 'ws-open'; path: string; remote: string; connections: number }
  | ({ event: 'ws-close'; path: string; remote: string; connections: number } & WsSessionSummary);

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
  /**
   * A `?key=` token that admits a request. The page (`/`, `/index.html`), streams, snapshots
   * and `/state` need it; the web root's other files (the page's scripts, styles, icons) do not.
   * Default: none.
   */
  key?: string;
  /**
   * A token for `/metrics` alone, as `?key=` or `Authorization: Bearer` (what Prometheus's
   * `authorization` scrape setting sends). With it, `/metrics` admits this token, or the
   * server's own `auth`/`key` when configured; without it, `/metrics` follows the same rules as
   * every other route. Default: none.
   */
  metricsKey?: string;
  /** Realm named in the `WWW-Authenticate` challenge (printable ASCII, no `"` or `\`). Default `'mjpeg-kit'`. */
  realm?: string;
  /**
   * Whether a hub served alone (as the camera `default`) may carry audio (false: `/audio.wav`
   * answers 404). Cameras of a `CameraRegistry` carry their own `audio` flag instead. While the
   * hub has seen no audio packet, `/audio.wav` waits up to `audioTimeoutMs` for one, then answers
   * 503. Default true.
   */
  audio?: boolean;
  /** Longest wait of `/audio.wav` for the hub's first audio packet, ms. Default 2000. */
  audioTimeoutMs?: number;
  /** Longest wait of a snapshot for a frame fresher than `max_delay`, ms. Default 2000. */
  snapshotTimeoutMs?: number;
  /** `max_delay` when the query has none, ms. Default 300. */
  snapshotMaxDelayMs?: number;
  /** `Server` header. Default `mjpeg-kit/<version>`. */
  serverName?: string;
  /** One line per viewer that connects or leaves (with the reason), per refusal and per failed request. */
  log?: (line: string, event: HandlerLogEvent) => void;
}

/** The options after checking, with their defaults. */
export interface HandlerConfig {
  readonly webRoot: string | undefined;
  readonly fallbackPage: boolean;
  readonly allowOrigin: string | undefined;
  readonly access: AccessControl;
  /** The `/metrics` token's check, when `metricsKey` is set. */
  readonly metricsAccess: AccessControl | undefined;
  readonly realm: string;
  readonly audio: boolean;
  readonly audioTimeoutMs: number;
  readonly snapshotTimeoutMs: number;
  readonly snapshotMaxDelayMs: number;
  readonly serverName: string;
  readonly log: MjpegHandlerOptions['log'];
}

/**
 * `*`, or one serialised origin: `scheme://host[:port]`, no path, no list. Anything else
 * would be sent on every answer and either break `writeHead` or never match a browser's `Origin`.
 */
const ORIGIN = /^(?:\*|[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9\-._~%!$&'()*+;=:[\]]+)$/;
/** A quoted-string's content without escapes (RFC 9110 §5.6.4): printable ASCII minus `"` and `\`. */
const REALM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Checks every handler option once, at construction: a value that would fail on each request
 * (a header value `writeHead` rejects, a timer that fires at once) is refused here.
 *
 * @throws ServerError `INVALID_OPTION` naming the option.
 */
export function resolveHandlerOptions(options: MjpegHandlerOptions): HandlerConfig {
  return {
    webRoot: checkWebRoot(options.webRoot),
    fallbackPage: checkBooleanOption('fallbackPage', options.fallbackPage) ?? true,
    allowOrigin: checkStringOption(
      'allowOrigin',
      options.allowOrigin,
      ORIGIN,
      "'*' or one origin such as https://player.example (scheme://host[:port], no path)",
    ),
    access: new AccessControl(checkAuth(options.auth), checkKey(options.key)),
    metricsAccess:
      options.metricsKey === undefined
        ? undefined
        : new AccessControl(undefined, checkKey(options.metricsKey, 'metricsKey')),
    realm:
      checkStringOption('realm', options.realm, REALM, 'printable ASCII without " or \\') ?? DEFAULT_REALM,
    audio: checkBooleanOption('audio', options.audio) ?? true,
    audioTimeoutMs: checkNumberOption(
      'audioTimeoutMs',
      options.audioTimeoutMs ?? DEFAULT_AUDIO_TIMEOUT_MS,
      0,
    ),
    snapshotTimeoutMs: checkNumberOption(
      'snapshotTimeoutMs',
      options.snapshotTimeoutMs ?? DEFAULT_SNAPSHOT_TIMEOUT_MS,
      0,
    ),
    snapshotMaxDelayMs: checkNumberOption(
      'snapshotMaxDelayMs',
      options.snapshotMaxDelayMs ?? DEFAULT_SNAPSHOT_MAX_DELAY_MS,
      0,
      MAX_SNAPSHOT_DELAY_MS,
    ),
    serverName:
      checkStringOption('serverName', options.serverName, HEADER_TEXT, 'printable ASCII (a header value)') ??
      SERVER_NAME,
    log: checkFunctionOption('log', options.log),
  };
}

function checkWebRoot(webRoot: string | undefined): string | undefined {
  if (webRoot === undefined) return undefined;
  if (typeof webRoot !== 'string' || webRoot === '') throw invalidOption('webRoot', 'a directory', webRoot);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(webRoot).isDirectory();
  } catch (error) {
    throw invalidOption('webRoot', `a directory (${(error as NodeJS.ErrnoException).code})`, webRoot);
  }
  if (!isDirectory) throw invalidOption('webRoot', 'a directory, not a file', webRoot);
  return webRoot;
}

function checkKey(key: string | undefined, option = 'key'): string | undefined {
  // An empty key would silently turn access control off.
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    throw invalidOption(option, 'a non-empty string', key);
  }
  return key;
}

function checkAuth(auth: BasicCredentials | undefined): BasicCredentials | undefined {
  if (auth === undefined) return undefined;
  if (typeof auth === 'string') {
    if (!auth.includes(':')) {
      // The value is a secret: say what is wrong with it, never echo it.
      throw new ServerError('INVALID_OPTION', "auth must be 'user:pass': the string has no colon", {
        option: 'auth',
      });
    }
    return auth;
  }
  // RFC 7617 §2: the user-id cannot contain a colon; the password may.
  if (
    auth === null ||
    typeof auth !== 'object' ||
    typeof auth.username !== 'string' ||
    typeof auth.password !== 'string' ||
    auth.username.includes(':')
  ) {
    throw invalidOption('auth', "'user:pass' or { username, password } with no colon in username", auth);
  }
  return auth;
}

/** Server and CORS headers of every answer. */
export function createBaseHeaders(config: HandlerConfig): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { Server: config.serverName };
  if (config.allowOrigin !== undefined) {
    headers['Access-Control-Allow-Origin'] = config.allowOrigin;
    headers['Access-Control-Expose-Headers'] = 'X-Boundary, X-Timestamp, X-Frame-Seq, Server';
    if (config.allowOrigin !== '*') headers.Vary = 'Origin';
  }
  return headers;
}
