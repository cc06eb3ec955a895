import type { MultipartParserOptions } from '@mjpeg-kit/boundary-parser';
import type {
  ConnectionState,
  MediaPacket,
  PacketBodyForm,
  PacketOf,
  PiecesMediaPacket,
  ReconnectOptions,
  StatusEvent,
} from '@mjpeg-kit/bytes';
import { backoffDelayMs, describeInvalidChoice, nowMs, sleep } from '@mjpeg-kit/bytes';
import type { JpegScannerOptions } from '@mjpeg-kit/jpeg-scanner';
import {
  connectTimeoutError,
  describeError,
  endedError,
  idleError,
  readFailureError,
  toStreamError,
} from './attempt-failures.js';
import {
  type AuthChallenge,
  basicAuthorization,
  type Credentials,
  digestAuthorization,
  parseAuthChallenges,
  pickDigestChallenge,
  splitCredentials,
} from './auth.js';
import { BodyReader } from './body-reader.js';
import { MediaDemuxer } from './demuxer.js';
import { StreamError } from './errors.js';
import { chooseReadFallback, withRawParam } from './fallback.js';
import { type MeteredCounters, StreamMeter } from './stream-meter.js';

/** Default `idleTimeoutMs`: no body bytes for this long ends the attempt. */
export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
/** Default `connectTimeoutMs`: no response headers for this long ends the attempt. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How the body is being read: boundary parser, JPEG scanner, or not at all (show an `<img>`). */
export type StreamParser = 'multipart' | 'jpeg-scan' | 'img';

/** Options of {@link openStream}; `B` comes from `bodies` and types the packets. */
export interface OpenStreamOptions<B extends PacketBodyForm = 'contiguous'> {
  /**
   * How packet bodies are given. `'contiguous'` (default): `packet.body`, one `Uint8Array` (a
   * view when the packet came in one chunk, else an exact copy). `'pieces'`: no copy at all;
   * each packet (audio too) is a `PiecesMediaPacket` with `pieces`, views of the response's
   * chunks in order, and `bodyLength`, for consumers that take pieces (`new Blob(packet.pieces)`,
   * a socket write per piece). The views stay valid for as long as you hold them: `fetch` never
   * reuses or modifies its chunks (a custom `fetch` whose body reuses one buffer must not be used
   * with `'pieces'`); each piece keeps its whole chunk in memory while held.
   */
  bodies?: B;
  /** Stops the stream: iteration ends (without an error) and the connection is closed. */
  signal?: AbortSignal;
  /** Extra request headers. An `Authorization` here wins over URL credentials. */
  headers?: HeadersInit;
  /** The fetch to use (default: the global one): a polyfill, a proxy-aware fetch, a test double. */
  fetch?: typeof fetch;
  /** `false`: end with a {@link StreamError} at the first failure. Default: on, 500 ms to 10 s. */
  reconnect?: false | ReconnectOptions;
  /** No body bytes for this long (ms) ends the attempt with `IDLE_TIMEOUT`. Default 10000. */
  idleTimeoutMs?: number;
  /** No response headers for this long (ms) ends the attempt with `CONNECT_TIMEOUT`. Default 10000. */
  connectTimeoutMs?: number;
  /** State changes: `connecting`, `open`, `reconnecting` (with `attempt`, `delayMs`, `error`), `closed`. */
  onStatus?: (event: StatusEvent) => void;
  /**
   * Ask an mjpeg-kit server for `?raw=1` (the multipart bytes as `application/octet-stream`)
   * from the start. Default `false`: switched on by itself when the first read of a
   * multipart body fails (Safari).
   */
  raw?: boolean;
  /**
   * Whether a failed first read of a multipart body from another server may end the stream
   * with `UNSUPPORTED_BODY` and `stats.parser === 'img'`, for a caller that can show an
   * `<img>`. Default: `true` where a `document` exists, else `false` (it reconnects).
   */
  imgFallback?: boolean;
  /** Passed to the boundary parser (its limits; the body form is `bodies`). */
  multipart?: Omit<MultipartParserOptions, 'bodies'>;
  /** Passed to the JPEG scanner (its limits; the body form is `bodies`). */
  scanner?: Omit<JpegScannerOptions, 'frames'>;
}

/** Live counters of a stream; read them at any time (`fps` and `bitrateBps` are computed on read). */
export interface StreamStats extends MeteredCounters {
  /** Body bytes received, all attempts. */
  bytes: number;
  /** Frames missed: gaps in `X-Frame-Seq`, plus frames the JPEG scanner dropped as broken. */
  framesDropped: number;
  /** `now − X-Timestamp` of the latest packet that had one, in ms; `undefined` until then. */
  latencyMs: number | undefined;
  /** How the body is read; `undefined` until the first bytes decide. */
  parser: StreamParser | undefined;
  /** Reconnects made (attempts after the first). */
  reconnects: number;
  /** The current connection state. */
  state: ConnectionState;
  /** The URL being read (without credentials; with `raw=1` once switched). */
  url: string;
  /** The boundary in use when `parser` is `'multipart'`. */
  boundary: string | undefined;
  /** Bytes the JPEG scanner skipped while resynchronising (garbage between frames). */
  skippedBytes: number;
  /** Parts whose headers were garbled or lost, cut with the JPEG scanner instead. */
  rescannedParts: number;
  /** Parts skipped: neither JPEG nor audio, or nothing inside. */
  skippedParts: number;
  /** Multipart errors that switched a body to the JPEG scanner. */
  parserErrors: number;
  /** The last error an attempt ended with. */
  lastError: StreamError | undefined;
}

/**
 * What {@link openStream} returns: iterate it for packets (`MediaPacket`s, or
 * `PiecesMediaPacket`s with `bodies: 'pieces'`); `stats` are live.
 */
export interface MjpegStream<P extends MediaPacket | PiecesMediaPacket = MediaPacket>
  extends AsyncIterable<P> {
  readonly stats: StreamStats;
}

/**
 * Opens a live MJPEG (optionally with audio) stream over `fetch` and yields its frames and
 * audio packets as they complete. The body format is chosen by what arrives (multipart by
 * Content-Type or by a sniffed delimiter line; bare JPEG bytes by `FF D8`), credentials in
 * the URL become `Authorization` (Digest or Basic, as the 401 challenge asks), silence is caught
 * by `idleTimeoutMs`, and failures reconnect with exponential backoff and jitter.
 *
 * Iteration ends only when `signal` aborts (normally), or, with `reconnect: false`, at the
 * first failure (a {@link StreamError}). `UNSUPPORTED_BODY` with `stats.parser === 'img'`
 * always ends it: show the URL in an `<img>`. Breaking out of the loop closes the
 * connection. The stream can be iterated once.
 *
 * @throws StreamError `INVALID_URL` on the first `next()` when the URL cannot be parsed;
 *   with `reconnect: false`, `HTTP_STATUS`, `AUTH_FAILED`, `NETWORK`, `CONNECT_TIMEOUT`,
 *   `IDLE_TIMEOUT`, `ENDED` or `UNSUPPORTED_BODY`.
 * @example
 * ```ts
 * const controller = new AbortController();
 * const stream = openStream('http://cam.local:8080/stream', { signal: controller.signal });
 * for await (const packet of stream) {
 *   if (packet.type === 'image/jpeg') show(packet.body);
 *   console.log(stream.stats.fps, stream.stats.latencyMs);
 * }
 * // No copy: bodies as views of the received chunks.
 * for await (const packet of openStream(url, { bodies: 'pieces' })) {
 *   if (packet.type === 'image/jpeg') show(new Blob(packet.pieces, { type: packet.type }));
 * }
 * ```
 * @throws StreamError `INVALID_OPTION` (`option: 'bodies'`) at once when `bodies` is neither
 *   `'contiguous'` nor `'pieces'`.
 */
export function openStream<B extends PacketBodyForm = 'contiguous'>(
  url: string | URL,
  options: OpenStreamOptions<B> = {},
): MjpegStream<PacketOf<B>> {
  const bodiesProblem = describeInvalidChoice(options.bodies ?? 'contiguous', ['contiguous', 'pieces']);
  if (bodiesProblem !== undefined)
    throw new StreamError('INVALID_OPTION', `bodies ${bodiesProblem}`, { option: 'bodies' });
  const session = new StreamSession<B>(url, options);
  let iterator: AsyncGenerator<PacketOf<B>, void, undefined> | undefined;
  return {
    stats: session.stats,
    [Symbol.asyncIterator]() {
      if (iterator !== undefined) throw new TypeError('openStream: a stream can be iterated only once');
      iterator = session.run();
      return iterator;
    },
  };
}

class StreamSession<B extends PacketBodyForm> {
  readonly stats: StreamStats;
  readonly #input: string | URL;
  readonly #options: OpenStreamOptions<B>;
  readonly #fetch: typeof fetch;
  readonly #signal: AbortSignal | undefined;
  readonly #meter = new StreamMeter();
  #url!: URL;
  #credentials: Credentials | undefined;
  /** The auth scheme a 401 challenge chose; sent up front from then on. */
  #scheme: 'basic' | 'digest' | undefined;
  #digest: { challenge: AuthChallenge; nc: number } | undefined;
  #raw: boolean;
  /** Set when the first read of a multipart body failed against mjpeg-kit: retry with raw=1 at once. */
  #retryRaw = false;
  #seqDropped = 0;
  #scannerDroppedEarlier = 0;
  #scannerDroppedNow = 0;

  constructor(url: string | URL, options: OpenStreamOptions<B>) {
    this.#input = url;
    this.#options = options;
    this.#signal = options.signal;
    this.#raw = options.raw === true;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => fetchImpl(input, init);
    this.stats = this.#meter.createStats<Omit<StreamStats, keyof MeteredCounters>>({
      latencyMs: undefined,
      parser: undefined,
      reconnects: 0,
      state: 'connecting',
      url: typeof url === 'string' ? url : url.href,
      boundary: undefined,
      skippedBytes: 0,
      rescannedParts: 0,
      skippedParts: 0,
      parserErrors: 0,
      lastError: undefined,
    });
  }

  async *run(): AsyncGenerator<PacketOf<B>, void, undefined> {
    try {
      const split = splitCredentials(this.#input);
      this.#url = split.url;
      this.#credentials = split.credentials;
    } catch (cause) {
      const error = new StreamError('INVALID_URL', `cannot parse stream URL: ${String(cause)}`, { cause });
      this.#status({ state: 'closed', error });
      throw error;
    }
    this.stats.url = this.#requestUrl().href;
    let failures = 0;
    let attempt = 0;
    try {
      while (!this.#aborted()) {
        this.#status(attempt === 0 ? { state: 'connecting' } : { state: 'connecting', attempt });
        let delivered = 0;
        let error: StreamError;
        try {
          for await (const packet of this.#attempt()) {
            delivered++;
            yield packet;
          }
          // #attempt returns only when aborted.
          return;
        } catch (caught) {
          error = toStreamError(caught);
        }
        if (this.#aborted()) return;
        this.stats.lastError = error;
        if (this.#retryRaw) {
          // The Safari path: same bytes as application/octet-stream, asked for at once.
          this.#retryRaw = false;
          this.stats.url = this.#requestUrl().href;
          continue;
        }
        if (
          this.#options.reconnect === false ||
          (error.code === 'UNSUPPORTED_BODY' && this.stats.parser === 'img')
        ) {
          this.#status({ state: 'closed', error });
          throw error;
        }
        failures = delivered > 0 ? 1 : failures + 1;
        attempt++;
        const delayMs = backoffDelayMs(failures, this.#options.reconnect);
        this.#status({ state: 'reconnecting', attempt, delayMs, error });
        if (!(await sleep(delayMs, this.#signal))) return;
        this.stats.reconnects++;
      }
    } finally {
      if (this.stats.state !== 'closed') this.#status({ state: 'closed' });
    }
  }

  #aborted(): boolean {
    return this.#signal?.aborted === true;
  }

  #status(event: StatusEvent): void {
    this.stats.state = event.state;
    try {
      this.#options.onStatus?.(event);
    } catch {
      // A throwing listener must not break the stream.
    }
  }

  #requestUrl(): URL {
    return this.#raw ? withRawParam(this.#url) : this.#url;
  }

  /**
   * One connection: yields packets until the body fails or ends (throws a StreamError),
   * or returns when the caller's signal aborts. Every exit cancels and releases the body
   * and aborts the request.
   */
  async *#attempt(): AsyncGenerator<PacketOf<B>, void, undefined> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(this.#signal?.reason);
    this.#signal?.addEventListener('abort', onAbort, { once: true });
    let body: BodyReader | undefined;
    try {
      const response = await this.#open(controller);
      if (response === undefined) return;
      if (response.body === null)
        throw new StreamError('UNSUPPORTED_BODY', 'the response has no body to stream');
      const idleTimeoutMs = this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
      body = new BodyReader(response.body, controller, idleTimeoutMs);
      const demuxer = new MediaDemuxer<B>({
        ...(this.#options.bodies && { bodies: this.#options.bodies }),
        contentType: response.headers.get('content-type'),
        boundary: response.headers.get('x-boundary'),
        ...(this.#options.multipart && { multipart: this.#options.multipart }),
        ...(this.#options.scanner && { scanner: this.#options.scanner }),
      });
      this.stats.url = response.url || this.#requestUrl().href;
      this.#status({ state: 'open' });

      const before = { ...this.stats };
      this.#scannerDroppedEarlier += this.#scannerDroppedNow;
      this.#scannerDroppedNow = 0;
      for (;;) {
        let chunk: Uint8Array | undefined;
        try {
          chunk = await body.read();
        } catch (cause) {
          if (this.#aborted()) return;
          throw this.#readFailure(cause, body, response);
        }
        if (chunk === undefined) {
          if (this.#aborted()) return;
          if (body.timedOut) throw idleError(idleTimeoutMs);
        } else {
          this.stats.bytes += chunk.length;
          this.#meter.addBytes(chunk.length);
        }
        const packets = chunk === undefined ? demuxer.end() : demuxer.push(chunk);
        this.#updateDemuxStats(demuxer, before);
        for (const packet of packets) {
          this.#count(packet);
          yield packet;
        }
        if (chunk === undefined) throw endedError();
      }
    } finally {
      this.#signal?.removeEventListener('abort', onAbort);
      await body?.close();
      controller.abort();
    }
  }

  /**
   * Sends the request and waits for the response headers, at most `connectTimeoutMs`.
   * Resolves `undefined` when the caller's signal aborted meanwhile.
   */
  async #open(controller: AbortController): Promise<Response | undefined> {
    const connectTimeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, connectTimeoutMs);
    try {
      return await this.#connect(controller.signal);
    } catch (cause) {
      if (this.#aborted()) return undefined;
      if (timedOut) throw connectTimeoutError(connectTimeoutMs, cause);
      throw cause;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The error a failed body read ends the attempt with. A failed first read of a multipart
   * body switches to the raw path (retried at once) or to the `<img>` path; see
   * {@link chooseReadFallback}.
   */
  #readFailure(cause: unknown, body: BodyReader, response: Response): StreamError {
    if (body.timedOut) return idleError(body.idleTimeoutMs, cause);
    const fallback = chooseReadFallback({
      contentType: response.headers.get('content-type'),
      server: response.headers.get('server'),
      bytesReceived: body.bytesReceived,
      rawRequested: this.#raw,
      imgAvailable: this.#options.imgFallback ?? typeof document !== 'undefined',
    });
    if (fallback === 'raw') {
      this.#raw = true;
      this.#retryRaw = true;
    } else if (fallback === 'img') {
      this.stats.parser = 'img';
    }
    return readFailureError(fallback, cause);
  }

  /** Updates stats from the demuxer (its counters are per body: `before` holds the sums up to this body). */
  #updateDemuxStats(demuxer: MediaDemuxer<B>, before: StreamStats): void {
    const stats = this.stats;
    stats.parser = demuxer.parser;
    stats.boundary = demuxer.boundary;
    const demuxStats = demuxer.stats;
    const scanner = demuxer.scannerStats;
    if (scanner !== undefined) {
      this.#scannerDroppedNow = scanner.droppedFrames;
      stats.skippedBytes = before.skippedBytes + scanner.skippedBytes;
    }
    stats.rescannedParts = before.rescannedParts + demuxStats.rescannedParts;
    stats.skippedParts = before.skippedParts + demuxStats.skippedParts;
    stats.parserErrors = before.parserErrors + demuxStats.parserErrors;
    stats.framesDropped = this.#seqDropped + this.#scannerDroppedEarlier + this.#scannerDroppedNow;
  }

  /** Counts a packet about to be delivered: frames, rate, `X-Frame-Seq` gaps, latency. */
  #count(packet: MediaPacket | PiecesMediaPacket): void {
    const stats = this.stats;
    const now = nowMs();
    if (packet.type === 'image/jpeg') {
      stats.frames++;
      const missed = this.#meter.addFrame(packet.seq, now);
      if (missed > 0) {
        this.#seqDropped += missed;
        stats.framesDropped = this.#seqDropped + this.#scannerDroppedEarlier + this.#scannerDroppedNow;
      }
    } else {
      stats.audioPackets++;
    }
    if (packet.headers?.get('x-timestamp') != null) stats.latencyMs = now - packet.timestamp;
  }

  /**
   * Sends the request. With credentials, the first request goes without them and the 401
   * challenge picks the scheme (Digest preferred; Basic when offered or when the server names
   * none), so a password never travels base64-readable to a Digest camera. The scheme (and the
   * Digest challenge, with its nonce count) is then sent up front on reconnects.
   */
  async #connect(signal: AbortSignal): Promise<Response> {
    const url = this.#requestUrl();
    const headers = new Headers(this.#options.headers);
    const credentials = this.#credentials;
    const authorize = credentials !== undefined && !headers.has('authorization');
    if (authorize && this.#scheme !== undefined)
      headers.set('authorization', await this.#authorization(url, credentials));
    let response = await this.#send(url, headers, signal);
    if (response.status === 401 && authorize) {
      const sent = this.#scheme;
      const challenges = parseAuthChallenges(response.headers.get('www-authenticate') ?? '');
      await discard(response);
      const digest = pickDigestChallenge(challenges);
      const basic = challenges.length === 0 || challenges.some((challenge) => challenge.scheme === 'basic');
      this.#scheme = undefined;
      this.#digest = undefined;
      if (digest !== undefined) {
        this.#scheme = 'digest';
        this.#digest = { challenge: digest, nc: 0 };
      } else if (basic && sent !== 'basic') {
        this.#scheme = 'basic';
      } else {
        const offered = challenges.map((challenge) => challenge.scheme).join(', ') || 'none';
        throw new StreamError(
          'AUTH_FAILED',
          `the server refused the credentials (401; schemes offered: ${offered})`,
          {
            status: 401,
          },
        );
      }
      headers.set('authorization', await this.#authorization(url, credentials));
      response = await this.#send(url, headers, signal);
      if (response.status === 401) {
        await discard(response);
        const scheme = this.#scheme;
        this.#scheme = undefined;
        this.#digest = undefined;
        throw new StreamError('AUTH_FAILED', `the server refused the ${scheme} credentials (401)`, {
          status: 401,
        });
      }
    }
    if (!response.ok) {
      await discard(response);
      throw new StreamError(
        'HTTP_STATUS',
        `the server answered ${response.status} ${response.statusText}`.trim(),
        {
          status: response.status,
        },
      );
    }
    return response;
  }

  /** The Authorization value for the cached scheme. */
  async #authorization(url: URL, credentials: Credentials): Promise<string> {
    if (this.#scheme !== 'digest') return basicAuthorization(credentials);
    const digest = this.#digest!;
    digest.nc++;
    try {
      return await digestAuthorization(digest.challenge, credentials, {
        method: 'GET',
        uri: url.pathname + url.search,
        nc: digest.nc,
      });
    } catch (cause) {
      throw new StreamError('AUTH_FAILED', describeError(cause), { cause, status: 401 });
    }
  }

  async #send(url: URL, headers: Headers, signal: AbortSignal): Promise<Response> {
    try {
      return await this.#fetch(url.href, { headers, signal, redirect: 'follow' });
    } catch (cause) {
      if (cause instanceof StreamError) throw cause;
      if (signal.aborted) throw cause;
      throw new StreamError('NETWORK', `cannot reach ${url.host}: ${describeError(cause)}`, { cause });
    }
  }
}

/** Cancels a body we will not read, so the connection is released. */
async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to release.
  }
}
