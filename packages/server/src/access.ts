import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Credentials for Basic auth: `{ username, password }` or `'user:pass'`. */
export type BasicCredentials = { username: string; password: string } | string;

/**
 * Access control by Basic auth (RFC 7617) and/or a `?key=` token. Secrets are compared as
 * SHA-256 digests with `timingSafeEqual`, so neither their content nor their length leaks
 * through response timing.
 */
export class AccessControl {
  readonly #basic: Buffer | undefined;
  readonly #key: Buffer | undefined;

  constructor(auth: BasicCredentials | undefined, key: string | undefined) {
    if (auth !== undefined) {
      const pair = typeof auth === 'string' ? auth : `${auth.username}:${auth.password}`;
      this.#basic = digest(pair);
    }
    if (key !== undefined && key !== '') this.#key = digest(key);
  }

  /** Whether any access control is configured. */
  get enabled(): boolean {
    return this.#basic !== undefined || this.#key !== undefined;
  }

  /** Whether a `?key=` token is configured. */
  get usesKey(): boolean {
    return this.#key !== undefined;
  }

  /** Whether Basic auth is configured (then 401 carries a `WWW-Authenticate: Basic` challenge). */
  get usesBasic(): boolean {
    return this.#basic !== undefined;
  }

  /** Whether the request carries valid credentials (either kind), or no control is configured. */
  allows(req: IncomingMessage, params: URLSearchParams): boolean {
    if (!this.enabled) return true;
    let ok = false;
    if (this.#key !== undefined) {
      const key = params.get('key');
      if (key !== null) ok = timingSafeEqual(digest(key), this.#key);
    }
    if (this.#basic !== undefined) {
      const pair = readBasic(req.headers.authorization);
      // Both comparisons always run when both are configured: timing reveals nothing either.
      if (pair !== undefined && timingSafeEqual(digest(pair), this.#basic)) ok = true;
    }
    return ok;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** `user:pass` from an `Authorization: Basic …` header, or `undefined`. */
export function readBasic(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^basic[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i.exec(header);
  if (match === null) return undefined;
  const pair = Buffer.from(match[1]!, 'base64').toString('utf8');
  return pair.includes(':') ? pair : undefined;
}
