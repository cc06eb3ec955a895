/**
 * The NATS side of the server: an origin publishes cameras with `@mjpeg-kit/nats`, an edge's
 * camera reads one; both show as a camera link in `/state` and `/metrics`. Credentials never
 * leave this module in a message: every error text is scrubbed of them first.
 */
import type { MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import type { NatsConnectionOptions, NatsLinkStats, NatsPublisher } from '@mjpeg-kit/nats';
import type { CameraLink, CameraLinkState, MjpegHub, SourceLifecycle } from '@mjpeg-kit/server';
import type { Logger } from './log.js';
import { redactSecrets } from './nats-url.js';
import type { NatsConnectionSpec, PublishSpec, VideoSpec } from './specs.js';

/** The origin is offline after this long without a packet, unless the camera sets `--source-timeout`. */
export const DEFAULT_ORIGIN_TIMEOUT_MS = 10_000;
/** A publisher that cannot connect tries again after this long, doubling up to the maximum. */
export const PUBLISH_RETRY_MIN_MS = 500;
export const PUBLISH_RETRY_MAX_MS = 10_000;

/** Loaded on first use: a server without NATS never loads the client. */
function loadNats(): Promise<typeof import('@mjpeg-kit/nats')> {
  return import('@mjpeg-kit/nats');
}

function connectionOptions(spec: NatsConnectionSpec, name: string): NatsConnectionOptions {
  const options: NatsConnectionOptions = { servers: spec.servers, tls: spec.tls, name };
  if (spec.user !== undefined) options.user = spec.user;
  if (spec.pass !== undefined) options.pass = spec.pass;
  if (spec.token !== undefined) options.token = spec.token;
  return options;
}

function secretsOf(spec: NatsConnectionSpec): (string | undefined)[] {
  return [spec.pass, spec.token];
}

/** An error whose message no longer holds the connection's credentials. */
function scrubbed(error: unknown, spec: NatsConnectionSpec): Error {
  const message = error instanceof Error ? error.message : String(error);
  const clean = redactSecrets(message, secretsOf(spec));
  if (clean === message && error instanceof Error) return error;
  const replacement = new Error(clean);
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== undefined) Object.assign(replacement, { code });
  return replacement;
}

/** The server a link names, scrubbed (a client may report a URL with `user:pass@`). */
function serverOf(stats: NatsLinkStats | undefined, spec: NatsConnectionSpec): string | undefined {
  const server = stats?.server;
  if (server === undefined) return undefined;
  return redactSecrets(server.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1'), secretsOf(spec));
}

/** An edge camera's source and the link it shows: one per camera, reopened by `runSource`. */
export class NatsCameraSource implements CameraLink {
  readonly #spec: Extract<VideoSpec, { kind: 'nats' }>;
  readonly #originTimeoutMs: number;
  #stats: NatsLinkStats | undefined;
  #originOnline = false;
  /** Reconnects of earlier runs (each run has its own client and counters). */
  #earlierReconnects = 0;
  #earlierDropped = 0;
  #earlierLost = 0;

  constructor(spec: Extract<VideoSpec, { kind: 'nats' }>, originTimeoutMs = DEFAULT_ORIGIN_TIMEOUT_MS) {
    this.#spec = spec;
    this.#originTimeoutMs = originTimeoutMs;
  }

  get state(): CameraLinkState {
    const stats = this.#stats;
    const state: CameraLinkState = {
      kind: 'nats-source',
      connected: stats?.connected ?? false,
      reconnects: this.#earlierReconnects + (stats?.reconnects ?? 0),
      framesDropped: this.#earlierDropped + (stats?.framesDropped ?? 0),
      piecesLost: this.#earlierLost + (stats?.piecesLost ?? 0),
      originOnline: this.#originOnline,
    };
    const server = serverOf(stats, this.#spec);
    if (server !== undefined) state.server = server;
    return state;
  }

  /**
   * One run: the origin's packets on the subject. The client reconnects by itself (across the
   * server list); the origin counts as offline after `originTimeoutMs` without a packet, and
   * online again at the next one.
   */
  async open(lifecycle: SourceLifecycle): Promise<AsyncIterable<MediaPacket>> {
    const { natsSource } = await loadNats();
    const spec = this.#spec;
    this.#retireStats();
    const onStatus = (event: StatusEvent) => {
      // Online comes with the origin's first packet, not with a connection to the bus.
      if (event.state === 'open') return;
      lifecycle.onStatus(
        event.error === undefined ? event : { ...event, error: scrubbed(event.error, spec) },
      );
    };
    const source = natsSource({
      ...connectionOptions(spec, 'mjpeg-kit-server edge'),
      subject: spec.subject,
      // Its pace of asking a silent origin for the latest frame follows the same timeout.
      originTimeoutMs: this.#originTimeoutMs,
      signal: lifecycle.signal,
      onStatus,
    });
    this.#stats = source.stats;
    return this.#watchOrigin(source, lifecycle);
  }

  #retireStats(): void {
    const stats = this.#stats;
    if (stats === undefined) return;
    this.#earlierReconnects += stats.reconnects;
    this.#earlierDropped += stats.framesDropped;
    this.#earlierLost += stats.piecesLost;
    this.#stats = undefined;
  }

  async *#watchOrigin(
    source: AsyncGenerator<MediaPacket, void, undefined>,
    lifecycle: SourceLifecycle,
  ): AsyncGenerator<MediaPacket, void, undefined> {
    const spec = this.#spec;
    const silent = Symbol('silent');
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      for (;;) {
        const next = source.next();
        let result: IteratorResult<MediaPacket, void> | typeof silent;
        for (;;) {
          const wait = new Promise<typeof silent>((resolve) => {
            timer = setTimeout(() => resolve(silent), this.#originTimeoutMs);
          });
          try {
            result = await Promise.race([next, wait]);
          } catch (error) {
            throw scrubbed(error, spec);
          } finally {
            clearTimeout(timer);
          }
          if (result !== silent) break;
          if (this.#originOnline && !lifecycle.signal.aborted) {
            this.#originOnline = false;
            lifecycle.onStatus({
              state: 'reconnecting',
              error: new Error(
                `no frames from the origin on ${spec.subject} for ${this.#originTimeoutMs / 1000} s`,
              ),
            });
          }
        }
        if (result.done) return;
        this.#originOnline = true;
        yield result.value;
      }
    } finally {
      this.#originOnline = false;
      clearTimeout(timer);
      await source.return(undefined);
    }
  }
}

/** An origin camera's publisher: connects (retrying until stopped), then shows its link. */
export class NatsCameraPublisher implements CameraLink {
  readonly #spec: PublishSpec;
  readonly #camera: string;
  readonly #controller = new AbortController();
  #publisher: NatsPublisher | undefined;
  readonly #started: Promise<void>;

  constructor(hub: MjpegHub, camera: string, spec: PublishSpec, log: Logger) {
    this.#spec = spec;
    this.#camera = camera;
    this.#started = this.#connect(hub, log);
  }

  get state(): CameraLinkState {
    const stats = this.#publisher?.stats;
    const state: CameraLinkState = {
      kind: 'nats-publish',
      connected: stats?.connected ?? false,
      reconnects: stats?.reconnects ?? 0,
      framesDropped: stats?.framesDropped ?? 0,
      piecesLost: stats?.piecesLost ?? 0,
    };
    const server = serverOf(stats, this.#spec);
    if (server !== undefined) state.server = server;
    return state;
  }

  async #connect(hub: MjpegHub, log: Logger): Promise<void> {
    const { publishToNats } = await loadNats();
    const { signal } = this.#controller;
    const subject = `${this.#spec.prefix}.${this.#camera}`;
    let delayMs = PUBLISH_RETRY_MIN_MS;
    while (!signal.aborted) {
      try {
        const publisher = await publishToNats(hub, {
          ...connectionOptions(this.#spec, `mjpeg-kit-server origin ${this.#camera}`),
          prefix: this.#spec.prefix,
          camera: this.#camera,
          signal,
          onStatus: (event) => {
            if (event.state === 'reconnecting' && event.error !== undefined) {
              log.warn(`publishing ${subject} over NATS: ${scrubbed(event.error, this.#spec).message}`);
            }
          },
        });
        if (signal.aborted) {
          await publisher.close();
          return;
        }
        this.#publisher = publisher;
        log.info(`publishing ${subject} over NATS (${this.#spec.servers.join(', ')})`);
        return;
      } catch (error) {
        if (signal.aborted) return;
        log.warn(
          `cannot publish ${subject} over NATS: ${scrubbed(error, this.#spec).message}; retrying in ${delayMs} ms`,
        );
        await sleep(delayMs, signal);
        delayMs = Math.min(delayMs * 2, PUBLISH_RETRY_MAX_MS);
      }
    }
  }

  /** Stops connecting, or flushes and closes the publisher. */
  async close(): Promise<void> {
    this.#controller.abort();
    await this.#started.catch(() => undefined);
    await this.#publisher?.close().catch(() => undefined);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
