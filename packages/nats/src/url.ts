/**
 * `@mjpeg-kit/nats/url`: the URL and subject checks alone, for a CLI or config loader that
 * validates `nats://` settings without loading the NATS client (`@nats-io/*`, ~200 ms) when NATS
 * turns out unused. So this module imports only `./errors.js`; a test reads the build to keep it so.
 */
import { NatsError } from './errors.js';

export { NatsError, type NatsErrorCode } from './errors.js';

/** What {@link parseNatsUrl} reads from a `nats://` URL. */
export interface ParsedNatsUrl {
  /** `host:port` entries (with `tls://` when TLS is on), never with credentials. */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  tls: boolean;
  /** The path without its leading `/`: a subject (`mjpeg.front`) or a prefix (`mjpeg`); `''` when absent. */
  subject: string;
}

const SCHEMES = new Set(['nats', 'tls']);
/** A NATS subject token: no whitespace, no wildcards, no empty tokens. */
const SUBJECT = /^[^\s.*>]+(\.[^\s.*>]+)*$/;
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)$/;
const MAX_URL_LENGTH = 4096;
/** The port a server entry without one gets: NATS's own. */
const DEFAULT_NATS_PORT = 4222;
/** Characters of a server entry or parameter name an error message repeats at most. */
const MAX_ECHO_CHARS = 32;

/** `true` when `subject` is a valid literal NATS subject (dot-separated, no wildcards, no spaces). */
export function isValidSubject(subject: string): boolean {
  return subject.length > 0 && subject.length <= 255 && SUBJECT.test(subject) && !hasControlChar(subject);
}

/** C0 controls and DEL: a percent-encoded path could carry one onto the protocol line. */
function hasControlChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * `text` in quotes for an error message: cut to {@link MAX_ECHO_CHARS}, control characters escaped.
 * Only what follows the credentials is ever quoted (a server entry, a parameter name).
 */
function quoted(text: string): string {
  const cut = text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS)}…` : text;
  const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  return `'${cut.replace(/[\u0000-\u001f\u007f]/g, hex)}'`;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new NatsError('INVALID_URL', `NATS URL: the ${what} is not valid percent-encoding`);
  }
}

/**
 * Reads `nats://[user:pass@|token@]host[:port][,host[:port]…][/subject][?tls=1]`. `tls://` or
 * `?tls=1` turns TLS on. The default port is 4222. Errors never repeat the credentials: they say
 * what is wrong, quoting at most the offending server entry or parameter name.
 *
 * @example
 * ```ts
 * parseNatsUrl('nats://u:p@h1:4222,h2/mjpeg.front');
 * // { servers: ['h1:4222', 'h2:4222'], user: 'u', pass: 'p', tls: false, subject: 'mjpeg.front' }
 * ```
 */
export function parseNatsUrl(url: string): ParsedNatsUrl {
  if (typeof url !== 'string' || url.length === 0) {
    throw new NatsError('INVALID_URL', 'NATS URL: expected a non-empty string');
  }
  if (url.length > MAX_URL_LENGTH) {
    throw new NatsError('INVALID_URL', `NATS URL: longer than ${MAX_URL_LENGTH} characters`);
  }
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/.exec(url);
  if (match === null) {
    throw new NatsError('INVALID_URL', 'NATS URL: expected nats://host[:port][,host…][/subject]');
  }
  const scheme = match[1]!.toLowerCase();
  if (!SCHEMES.has(scheme)) {
    throw new NatsError('INVALID_URL', `NATS URL: unsupported scheme "${scheme}" (use nats:// or tls://)`);
  }
  let authority = match[2]!;
  const result: ParsedNatsUrl = { servers: [], tls: scheme === 'tls', subject: '' };
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      result.user = decode(userinfo.slice(0, colon), 'user');
      result.pass = decode(userinfo.slice(colon + 1), 'password');
      if (result.user === '') {
        throw new NatsError('INVALID_URL', 'NATS URL: a user name is needed before ":PASS@"');
      }
    } else {
      result.token = decode(userinfo, 'token');
      if (result.token === '') throw new NatsError('INVALID_URL', 'NATS URL: empty credentials before "@"');
    }
  }
  if (authority === '') throw new NatsError('INVALID_URL', 'NATS URL: no server');
  for (const entry of authority.split(',')) {
    const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(entry);
    if (hostPort === null || !HOST.test(hostPort[1]!)) {
      throw new NatsError('INVALID_URL', `NATS URL: ${quoted(entry)} is not HOST or HOST:PORT`);
    }
    const port = hostPort[2] === undefined ? DEFAULT_NATS_PORT : Number(hostPort[2]);
    if (port < 1 || port > 65535) {
      throw new NatsError('INVALID_URL', `NATS URL: port ${hostPort[2]} of ${quoted(entry)} is not 1–65535`);
    }
    result.servers.push(`${hostPort[1]}:${port}`);
  }
  const path = decode(match[3]!.replace(/^\//, ''), 'subject');
  if (path !== '') {
    if (!isValidSubject(path)) {
      throw new NatsError(
        'INVALID_URL',
        'NATS URL: the subject is not dot-separated tokens without spaces or wildcards (* >)',
      );
    }
    result.subject = path;
  }
  const query = match[4];
  if (query !== undefined && query !== '') {
    for (const pair of query.split('&')) {
      const [key, value = ''] = pair.split('=');
      if (key === 'tls') {
        if (!['1', 'true', '0', 'false', ''].includes(value)) {
          throw new NatsError('INVALID_URL', 'NATS URL: tls must be 1 or 0 (or true, false)');
        }
        result.tls = result.tls || value === '1' || value === 'true' || value === '';
      } else {
        throw new NatsError(
          'INVALID_URL',
          `NATS URL: unknown parameter ${quoted(decode(key ?? '', 'parameter'))} (known: tls)`,
        );
      }
    }
  }
  if (result.tls) result.servers = result.servers.map((s) => `tls://${s}`);
  return result;
}

/**
 * A NATS URL or server string safe for logs and `/state`: `user:pass@` or `token@` replaced by
 * `***@`, and a password or token given as a query parameter dropped. Anything unparsable
 * becomes `'(invalid NATS URL)'` rather than risk echoing a secret.
 */
export function redactNatsUrl(url: string): string {
  if (typeof url !== 'string') return '(invalid NATS URL)';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/?#]*)(.*)$/.exec(url);
  if (m === null) return '(invalid NATS URL)';
  let authority = m[2]!;
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = `***@${authority.slice(at + 1)}`;
  const rest = m[3]!.replace(/([?&](?:pass|password|token|user)=)[^&#]*/gi, '$1***');
  return `${m[1] ?? ''}${authority}${rest}`;
}
