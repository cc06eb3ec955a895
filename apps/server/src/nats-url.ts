/**
 * `nats://` URLs of the command line and the config file: an origin's `--publish` target and an
 * edge camera's source. Parsed here rather than by the NATS client so a bad one is a usage error
 * (exit 2) naming its flag or key, before anything connects. Not by `@mjpeg-kit/nats`'s own
 * parser either: its one entry loads the NATS client, which a server without NATS never loads.
 */
import type { ParsedNatsUrl } from '@mjpeg-kit/nats';
import { CAMERA_NAME_PATTERN } from '@mjpeg-kit/server';

/** The port a server without one gets: NATS's own. */
export const DEFAULT_NATS_PORT = 4222;
/** Servers one URL may list. */
export const MAX_NATS_SERVERS = 32;
/** A subject's length at most (NATS allows more; ours are `<prefix>.<camera>.video`). */
export const MAX_SUBJECT_CHARS = 200;

/** A URL the server cannot use; the caller turns it into a usage error naming the flag or key. */
export class NatsUrlError extends Error {
  override name = 'NatsUrlError';
  readonly code = 'INVALID_URL' as const;
}

/** Whether a spec is a NATS URL (`nats://` or `tls://`). */
export function isNatsSpec(spec: string): boolean {
  return /^(?:nats|tls):\/\//i.test(spec);
}

const NATS_URL = /^(nats|tls):\/\/(?:([^@/?#]*)@)?([^@/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/i;
/** One subject token: printable, no `.`, no wildcard, no whitespace. */
const SUBJECT_TOKEN = /^[!-)+-\-/-=?-~]+$/;
const HOST =
  /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)$/i;

/**
 * Parses `nats://[USER:PASS@|TOKEN@]HOST[:PORT][,HOST[:PORT]…]/SUBJECT[?tls=1]` (`tls://` for
 * TLS). With `camera`, the subject must be `<prefix>.<camera>` whose last token is a camera name.
 * `servers` are `host:port` only (no credentials, no `tls://`: TLS is `tls`), safe to log.
 *
 * @throws NatsUrlError saying what is wrong, never echoing the credentials.
 */
export function parseNatsUrl(spec: string, options: { camera: boolean }): ParsedNatsUrl {
  const match = NATS_URL.exec(spec);
  if (match === null) {
    // Not echoed: a password with a stray / or @ would show in part.
    throw new NatsUrlError('is not nats://[USER:PASS@]HOST:PORT[,HOST:PORT…]/SUBJECT');
  }
  const [, scheme, userinfo, hostList, path, query] = match;
  const target: ParsedNatsUrl = { servers: [], tls: scheme!.toLowerCase() === 'tls', subject: '' };
  for (const [name, value] of new URLSearchParams(query ?? '')) {
    if (name !== 'tls') throw new NatsUrlError(`unknown parameter '${name}' (known: tls)`);
    if (value !== '1' && value !== 'true' && value !== '0' && value !== 'false') {
      throw new NatsUrlError(`tls must be 1 or 0, not '${value}'`);
    }
    target.tls ||= value === '1' || value === 'true';
  }
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const decode = (text: string, what: string) => {
      try {
        return decodeURIComponent(text);
      } catch {
        throw new NatsUrlError(`the ${what} in the URL is badly percent-encoded`);
      }
    };
    if (colon < 0) {
      if (userinfo === '') throw new NatsUrlError('empty credentials before @');
      target.token = decode(userinfo, 'token');
    } else {
      const user = decode(userinfo.slice(0, colon), 'user');
      const pass = decode(userinfo.slice(colon + 1), 'password');
      if (user === '') throw new NatsUrlError('a user name is needed before :PASS@');
      target.user = user;
      target.pass = pass;
    }
  }
  const hosts = hostList!.split(',');
  if (hosts.length > MAX_NATS_SERVERS) {
    throw new NatsUrlError(`lists ${hosts.length} servers, more than ${MAX_NATS_SERVERS}`);
  }
  for (const entry of hosts) target.servers.push(parseServer(entry));

  const subject = path ?? '';
  const what = options.camera ? 'PREFIX.CAMERA' : 'PREFIX';
  if (subject === '') throw new NatsUrlError(`needs a subject after the servers: /${what}`);
  if (subject.length > MAX_SUBJECT_CHARS) {
    throw new NatsUrlError(`subject is longer than ${MAX_SUBJECT_CHARS} characters`);
  }
  const tokens = subject.split('.');
  for (const token of tokens) {
    if (!SUBJECT_TOKEN.test(token)) {
      throw new NatsUrlError(
        `subject '${subject}' is not dot-separated tokens without spaces or wildcards (* >)`,
      );
    }
  }
  if (options.camera) {
    if (tokens.length < 2) throw new NatsUrlError(`subject '${subject}' must be PREFIX.CAMERA`);
    if (!CAMERA_NAME_PATTERN.test(tokens.at(-1)!)) {
      throw new NatsUrlError(`subject '${subject}' must end in a camera name (1–32 of a-z, 0-9, _ and -)`);
    }
  }
  target.subject = subject;
  return target;
}

function parseServer(entry: string): string {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(entry);
  const host = match?.[1] ?? '';
  if (match === null || !HOST.test(host)) throw new NatsUrlError(`'${entry}' is not HOST or HOST:PORT`);
  const port = match[2] === undefined ? DEFAULT_NATS_PORT : Number(match[2]);
  if (port < 1 || port > 65535) throw new NatsUrlError(`port ${match[2]} of '${entry}' is not 1–65535`);
  return `${host}:${port}`;
}

/** A NATS URL with any `user:pass@` or `token@` replaced by `***@`, for messages and logs. */
export function redactNatsUrl(spec: string): string {
  return spec.replace(/^([a-z]+:\/\/)[^/?#]*@/i, '$1***@');
}

/** `text` with each secret replaced by `***` (an error message a client library may have built). */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length > 0) result = result.split(secret).join('***');
  }
  return result;
}
