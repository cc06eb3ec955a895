import { md5, toHex } from './md5.js';

/** User name and password taken out of a URL. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * Splits `http://user:pass@host/…` into a URL without credentials (which `fetch` would
 * reject) and the decoded credentials, if any.
 * @throws TypeError when `url` is not an absolute URL.
 */
export function splitCredentials(url: string | URL): { url: URL; credentials: Credentials | undefined } {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return { url: parsed, credentials: undefined };
  const credentials = { username: safeDecode(parsed.username), password: safeDecode(parsed.password) };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed, credentials };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `Basic base64(user:pass)` (RFC 7617), the pair encoded as UTF-8. */
export function basicAuthorization({ username, password }: Credentials): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** One challenge of a `WWW-Authenticate` field: the scheme and its parameters (names lower-cased). */
export interface AuthChallenge {
  scheme: string;
  params: Map<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*\s*(?=,|$)/;

/**
 * Parses a `WWW-Authenticate` value (RFC 9110 §11.6.1) into its challenges. Several
 * challenges may share one value (`fetch` joins repeated fields with ", "), so a bare
 * token starts a new challenge and `name=value` pairs attach to the current one.
 * Never throws: unparseable bytes are skipped.
 */
export function parseAuthChallenges(value: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let i = 0;
  const length = value.length;
  const skipWhitespace = () => {
    while (i < length && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < length && TOKEN_CHAR.test(value[i]!)) i++;
    return value.slice(start, i);
  };
  while (i < length) {
    while (i < length && (value[i] === ' ' || value[i] === '\t' || value[i] === ',')) i++;
    const token = readToken();
    if (token === '') {
      if (i < length) i++;
      continue;
    }
    skipWhitespace();
    if (value[i] === '=') {
      i++;
      skipWhitespace();
      let paramValue = '';
      if (value[i] === '"') {
        i++;
        while (i < length && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < length) i++;
          paramValue += value[i];
          i++;
        }
        i++;
      } else {
        paramValue = readToken();
      }
      current?.params.set(token.toLowerCase(), paramValue);
    } else {
      current = { scheme: token.toLowerCase(), params: new Map() };
      challenges.push(current);
      // A token68 after the scheme (`Negotiate abc==`) carries no parameters: skip it.
      const token68 = TOKEN68.exec(value.slice(i));
      if (token68 !== null) i += token68[0].length;
    }
  }
  return challenges;
}

/** The Digest hash algorithms this client can answer, best first. */
const DIGEST_ALGORITHMS = ['SHA-256', 'SHA-256-SESS', 'MD5', 'MD5-SESS'] as const;
type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** The Digest challenge to answer among `challenges`: SHA-256 preferred over MD5 (RFC 7616 §3.7). */
export function pickDigestChallenge(challenges: AuthChallenge[]): AuthChallenge | undefined {
  let best: AuthChallenge | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const challenge of challenges) {
    if (challenge.scheme !== 'digest' || !challenge.params.has('nonce')) continue;
    const algorithm = (challenge.params.get('algorithm') ?? 'MD5').toUpperCase();
    const rank = DIGEST_ALGORITHMS.indexOf(algorithm as DigestAlgorithm);
    if (rank !== -1 && rank < bestRank) {
      best = challenge;
      bestRank = rank;
    }
  }
  return best;
}

async function hashHex(algorithm: DigestAlgorithm, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  if (algorithm.startsWith('MD5')) return toHex(md5(bytes));
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

function randomCnonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return toHex(bytes);
}

/** What a Digest response needs beyond the challenge. */
interface DigestRequest {
  method: string;
  /** The request-target: path and query, as sent. */
  uri: string;
  /** Nonce count, from 1 for each new nonce. */
  nc: number;
  /** Client nonce; random when omitted. */
  cnonce?: string;
}

/**
 * Builds the `Authorization: Digest …` value answering `challenge` (RFC 7616 §3.4; RFC
 * 2069 when the server offers no `qop`): MD5 or SHA-256, plain or `-sess`, `qop=auth`
 * (or `auth-int` over the empty body of a GET), `userhash` honoured.
 * @throws Error when the challenge asks for an algorithm this client cannot compute.
 */
export async function digestAuthorization(
  challenge: AuthChallenge,
  { username, password }: Credentials,
  request: DigestRequest,
): Promise<string> {
  const params = challenge.params;
  const algorithmName = params.get('algorithm') ?? 'MD5';
  const algorithm = algorithmName.toUpperCase() as DigestAlgorithm;
  if (!DIGEST_ALGORITHMS.includes(algorithm))
    throw new Error(`unsupported Digest algorithm ${algorithmName}`);
  const realm = params.get('realm') ?? '';
  const nonce = params.get('nonce') ?? '';
  const opaque = params.get('opaque');
  const qops = (params.get('qop') ?? '').split(',').map((qop) => qop.trim().toLowerCase());
  const qop = qops.includes('auth') ? 'auth' : qops.includes('auth-int') ? 'auth-int' : undefined;
  const cnonce = request.cnonce ?? randomCnonce();
  const nc = request.nc.toString(16).padStart(8, '0');

  let ha1 = await hashHex(algorithm, `${username}:${realm}:${password}`);
  if (algorithm.endsWith('-SESS')) ha1 = await hashHex(algorithm, `${ha1}:${nonce}:${cnonce}`);
  const ha2 =
    qop === 'auth-int'
      ? await hashHex(algorithm, `${request.method}:${request.uri}:${await hashHex(algorithm, '')}`)
      : await hashHex(algorithm, `${request.method}:${request.uri}`);
  const response =
    qop === undefined
      ? await hashHex(algorithm, `${ha1}:${nonce}:${ha2}`)
      : await hashHex(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);

  const userhash = params.get('userhash')?.toLowerCase() === 'true';
  const user = userhash ? await hashHex(algorithm, `${username}:${realm}`) : username;
  const fields = [
    `username=${quote(user)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(request.uri)}`,
    `algorithm=${algorithmName}`,
    `response=${quote(response)}`,
  ];
  if (opaque !== undefined) fields.push(`opaque=${quote(opaque)}`);
  if (qop !== undefined) fields.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (userhash) fields.push('userhash=true');
  return `Digest ${fields.join(', ')}`;
}
