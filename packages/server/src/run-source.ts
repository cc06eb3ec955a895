import {
  backoffDelayMs,
  type MediaPacket,
  nowMs,
  type PiecesMediaPacket,
  type ReconnectOptions,
  type StatusEvent,
  sleep,
  untilAborted,
} from '@mjpeg-kit/bytes';
import { ServerError } from './errors.js';
import type { MjpegHub } from './hub.js';
import {
  checkBooleanOption,
  checkFunctionOption,
  checkNumberOption,
  checkStringOption,
  HEADER_TEXT,
} from './option-checks.js';

/** Default `stopTimeoutMs`: how long `stop()` waits for an aborted source to finish. */
export const DEFAULT_SOURCE_STOP_TIMEOUT_MS = 5000;

/** `/state`'s `source.error` while an `idleStopMs` source waits for its first viewer. */
export const WAITING_FOR_VIEWER = 'waiting for a viewer';
/** `/state`'s `source.error` after an `idleStopMs` source was stopped for lack of viewers. */
export const STOPPED_WHILE_IDLE = 'stopped while idle';

/** What `open` gets for one run of a source: its abort signal and a status callback. */
export interface SourceLifecycle {
  /** Aborted when the run must end (idle stop, `stop()`, the hub's `close()`). */
  signal: AbortSignal;
  /**
   * Connection changes of a source that reconnects by itself: `open` marks it online,
   * `reconnecting` (with `error` and `delayMs`) offline with the reason, and counts a restart.
   */
  onStatus: (event: StatusEvent) => void;
}

/**
 * Opens one run of a source: the packets to publish until it ends, fails or is aborted.
 * Called again for every restart. May return a promise (to import a source lazily). Bodies
 * may come as pieces (`openStream(url, { bodies: 'pieces' })` relaying a camera), which the
 * hub sends with no extra copy.
 */
export type OpenSource = (
  lifecycle: SourceLifecycle,
) => AsyncIterable<MediaPacket | PiecesMediaPacket> | Promise<AsyncIterable<MediaPacket | PiecesMediaPacket>>;

/**
 * Thrown by a source (or its opener) whose input is finished for good, such as the end of
 * stdin: the runner stops instead of restarting it, and `/state` shows the message as the
 * reason the source is offline. Code `SOURCE_ENDED`.
 */
export class SourceEndedError extends Error {
  override name = 'SourceEndedError';
  readonly code = 'SOURCE_ENDED' as const;

  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
  }
}

/** Where a run stands. */
export type SourceRunState =
  /** Not running for lack of viewers (`idleStopMs`). */
  | 'idle'
  /** Opened (or reopened), nothing delivered yet. */
  | 'starting'
  /** Delivering packets (or its connection is open). */
  | 'online'
  /** Failed; waiting out the backoff, or reconnecting by itself. */
  | 'retrying'
  /** Ended for good: `SourceEndedError`, `INPUT_ENDED`, or a self-reconnecting source gave up. */
  | 'ended'
  /** `stop()`, the `signal` or the hub's `close()` ended it. */
  | 'stopped';

/** A run's health, as `/state` and metrics want it. */
export interface SourceHealth {
  state: SourceRunState;
  online: boolean;
  /** Why it is offline (the last failure, `stopped while idle`, the end's reason). */
  error?: string;
  /** Reopens after a failure, the source's own reconnects included. */
  restarts: number;
  /** Packets published. */
  packets: number;
  /** When the last packet was published (epoch ms). */
  lastPacketAt?: number;
}

/** What the `log` callback of {@link runSource} receives beside the line. */
export interface SourceLogEvent {
  level: 'debug' | 'info' | 'warn';
  event: 'open' | 'lost' | 'restart' | 'ended' | 'idle-stop' | 'idle-start' | 'stuck';
  /** The run's `name`. */
  name: string;
  error?: string;
  /** Delay before the next attempt, ms (`lost`, `restart`). */
  delayMs?: number;
}

/** Options of {@link runSource}. */
export interface RunSourceOptions extends ReconnectOptions {
  /**
   * What log lines call the source, e.g. `'video source'`; with several cameras, put the
   * camera's name in it (`'front: video source'`). Default `'source'`.
   */
  name?: string;
  /**
   * Whether this run's health is the hub's source state for `/state` (`hub.setSourceState`).
   * Default `true`; set `false` for a second source of one hub (audio beside video).
   */
  reportState?: boolean;
  /**
   * The source reconnects by itself (the client's `openStream`, the serial camera, `execSource`)
   * and reports it through `onStatus`: the runner adds no delay of its own, and when such a
   * source ends or throws anyway it has given up, so the run ends (offline, with the reason).
   * Default `false`: the runner restarts the source after a backoff (`minDelayMs` 500 ms to
   * `maxDelayMs` 10 s, with jitter, reset once it delivers again).
   */
  reconnects?: boolean;
  /**
   * Run the source only while the hub is active: it starts when the first viewer (or snapshot
   * wait) comes and stops this many ms after the last leaves. Default: always running.
   */
  idleStopMs?: number;
  /**
   * How long stopping waits for an aborted source to finish (a child to exit, a port to
   * close), ms; one that takes longer is left behind with a `stuck` warning. Default 5000.
   */
  stopTimeoutMs?: number;
  /** Log lines (`level` in `event`); the line names the source by `name`. */
  log?: (line: string, event: SourceLogEvent) => void;
  /** Aborting it stops the run, as `stop()` does. */
  signal?: AbortSignal;
}

/** The handle {@link runSource} returns. */
export interface SourceRun {
  /** Whether the source is running or due to restart (not idle, ended or stopped). */
  readonly running: boolean;
  /** A copy of the run's health. */
  readonly health: SourceHealth;
  /** Stops the run for good: aborts the source and resolves once it finished. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs a source for a hub and keeps it running: publishes its packets, reports its health
 * (`hub.setSourceState`, so `/state` says whether it is online and why not), restarts it after
 * an exponential backoff with jitter when it fails or ends, and logs through `log`.
 *
 * - A source that reconnects by itself says so (`reconnects: true`): one reconnect loop, never
 *   the runner's backoff on top of the source's.
 * - A terminal end stops the run instead of restarting it: the source throws
 *   {@link SourceEndedError}, or any error whose `code` is `'INPUT_ENDED'` (what
 *   `readableSource` of `@mjpeg-kit/sources` throws at the end of its input). The hub stays
 *   up: viewers stay connected, the snapshot keeps the last frame.
 * - With `idleStopMs`, the source runs only while someone watches (see the option).
 * - The hub's `close()` stops the run; so do `stop()` and `signal`. Stopping aborts the
 *   source's signal and ends at once even if the source ignores it (after `stopTimeoutMs`).
 *
 * One hub may have several runs (video and audio); a server with many cameras runs one per
 * camera and source, each naming its camera in `name`.
 *
 * @example
 * ```ts
 * const hub = new MjpegHub({ sourceKind: 'synthetic' });
 * const run = runSource(hub, ({ signal }) => syntheticCameraSource({ signal }), {
 *   name: 'video source',
 *   idleStopMs: 30_000,
 *   log: (line) => console.error(line),
 * });
 * // …later: stops the source too.
 * await hub.close();
 * ```
 * @throws ServerError `INVALID_OPTION` naming a bad option; `HUB_CLOSED` for a closed hub.
 */
export function runSource(hub: MjpegHub, open: OpenSource, options: RunSourceOptions = {}): SourceRun {
  if (hub.closed) throw new ServerError('HUB_CLOSED', 'the hub is closed');
  checkFunctionOption('open', open);
  return new SourceRunner(hub, open, options);
}

/** Outcome of one run of the source. */
interface RunResult {
  delivered: boolean;
  /** Why it ended, when it was not aborted; `undefined` for a plain end. */
  error?: unknown;
}

class SourceRunner implements SourceRun {
  readonly #hub: MjpegHub;
  readonly #open: OpenSource;
  readonly #name: string;
  readonly #reportState: boolean;
  readonly #reconnects: boolean;
  readonly #idleStopMs: number | undefined;
  readonly #stopTimeoutMs: number;
  readonly #delays: ReconnectOptions;
  readonly #log: RunSourceOptions['log'];
  readonly #signal: AbortSignal | undefined;
  readonly #health: SourceHealth = { state: 'idle', online: false, restarts: 0, packets: 0 };
  /** The current run's controller; `undefined` while idle, ended or stopped. */
  #controller: AbortController | undefined;
  /** Every run, chained: a restart after an idle stop waits for the stopped run to finish. */
  #loop: Promise<void> = Promise.resolve();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Stopped or ended: never starts again. */
  #finished = false;
  #stopping: Promise<void> | undefined;

  constructor(hub: MjpegHub, open: OpenSource, options: RunSourceOptions) {
    this.#hub = hub;
    this.#open = open;
    this.#name =
      checkStringOption('name', options.name, HEADER_TEXT, 'a non-empty printable ASCII string') ?? 'source';
    this.#reportState = checkBooleanOption('reportState', options.reportState) ?? true;
    this.#reconnects = checkBooleanOption('reconnects', options.reconnects) ?? false;
    this.#idleStopMs =
      options.idleStopMs === undefined ? undefined : checkNumberOption('idleStopMs', options.idleStopMs, 0);
    this.#stopTimeoutMs = checkNumberOption(
      'stopTimeoutMs',
      options.stopTimeoutMs ?? DEFAULT_SOURCE_STOP_TIMEOUT_MS,
      0,
    );
    this.#delays = {
      minDelayMs:
        options.minDelayMs === undefined ? undefined : checkNumberOption('minDelayMs', options.minDelayMs, 0),
      maxDelayMs:
        options.maxDelayMs === undefined ? undefined : checkNumberOption('maxDelayMs', options.maxDelayMs, 0),
    };
    this.#log = checkFunctionOption('log', options.log);
    this.#signal = options.signal;
    if (this.#signal !== undefined && !(this.#signal instanceof AbortSignal)) {
      throw new ServerError('INVALID_OPTION', 'signal must be an AbortSignal', { option: 'signal' });
    }

    hub.on('close', this.#onClose);
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (this.#idleStopMs !== undefined) {
      hub.on('active', this.#onActive);
      hub.on('idle', this.#onIdle);
    }
    if (this.#signal?.aborted) void this.stop();
    else if (this.#idleStopMs === undefined || hub.active) this.#start();
    else this.#becomeIdle(WAITING_FOR_VIEWER);
  }

  get running(): boolean {
    return this.#controller !== undefined;
  }

  get health(): SourceHealth {
    return { ...this.#health };
  }

  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#finish();
    this.#abortRun();
    this.#stopping = this.#loop.then(() => {
      if (this.#health.state === 'ended') return;
      this.#setHealth('stopped', false, this.#health.error);
      if (this.#reportState && !this.#hub.closed) this.#hub.setSourceState({ online: false });
    });
    return this.#stopping;
  }

  readonly #onClose = () => void this.stop();
  readonly #onAbort = () => void this.stop();

  readonly #onActive = () => {
    this.#clearIdleTimer();
    if (this.#finished || this.#controller !== undefined) return;
    this.#emitLog('info', 'idle-start', `a viewer came: starting ${this.#name}`);
    this.#start();
  };

  readonly #onIdle = () => {
    this.#clearIdleTimer();
    if (this.#finished || this.#idleStopMs === undefined) return;
    const idleStopMs = this.#idleStopMs;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#controller === undefined) return;
      this.#emitLog('info', 'idle-stop', `no viewers for ${idleStopMs / 1000} s: stopping ${this.#name}`);
      void this.#stopWhileIdle();
    }, idleStopMs);
    this.#idleTimer.unref?.();
  };

  #start(): void {
    if (this.#finished || this.#controller !== undefined) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#setHealth('starting', false);
    if (this.#reportState) this.#hub.setSourceState({ online: false, error: undefined });
    this.#loop = this.#loop.then(() => this.#run(controller.signal));
  }

  async #stopWhileIdle(): Promise<void> {
    const stopped = this.#loop;
    this.#abortRun();
    await stopped;
    // A viewer may have come meanwhile (a new run is queued), or the source ended for good.
    if (this.#controller === undefined && !this.#finished) this.#becomeIdle(STOPPED_WHILE_IDLE);
  }

  #abortRun(): void {
    const controller = this.#controller;
    this.#controller = undefined;
    controller?.abort();
  }

  #becomeIdle(reason: string): void {
    this.#setHealth('idle', false, reason);
    if (this.#reportState) this.#hub.setSourceState({ online: false, error: reason });
  }

  /** No more runs: drop the timer and every listener. */
  #finish(): void {
    this.#finished = true;
    this.#clearIdleTimer();
    this.#hub.off('close', this.#onClose);
    this.#hub.off('active', this.#onActive);
    this.#hub.off('idle', this.#onIdle);
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer === undefined) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** Runs the source until `signal` aborts or it ends for good; never rejects. */
  async #run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const result = await this.#runOnce(signal);
      if (signal.aborted) return;
      const error = result.error;
      if (isTerminal(error) || this.#reconnects) {
        this.#end(error === undefined ? 'the source ended' : describeError(error));
        return;
      }
      failures = result.delivered ? 1 : failures + 1;
      this.#health.restarts++;
      const message = error === undefined ? 'the source ended' : describeError(error);
      const delayMs = backoffDelayMs(failures, this.#delays);
      this.#setHealth('retrying', false, message);
      if (this.#reportState) this.#hub.setSourceState({ online: false, error: message });
      this.#emitLog('warn', 'restart', `${this.#name} stopped: ${message}; restarting in ${delayMs} ms`, {
        error: message,
        delayMs,
      });
      if (!(await sleep(delayMs, signal))) return;
      this.#setHealth('starting', false, message);
    }
  }

  /** One run: open, publish until it ends, fails or `signal` aborts. */
  async #runOnce(signal: AbortSignal): Promise<RunResult> {
    let delivered = false;
    let iterator: AsyncIterator<MediaPacket | PiecesMediaPacket> | undefined;
    let pending: Promise<IteratorResult<MediaPacket | PiecesMediaPacket>> | undefined;
    let finished = false;
    const onStatus = (event: StatusEvent) => {
      if (!signal.aborted) this.#onSourceStatus(event);
    };
    try {
      const opening = Promise.resolve().then(() => this.#open({ signal, onStatus }));
      const iterable = await untilAborted(opening, signal);
      if (iterable === undefined) {
        // Aborted while opening: whatever it opens later is closed unread.
        opening.then((late) => late[Symbol.asyncIterator]().return?.()).catch(() => {});
        return { delivered };
      }
      iterator = iterable[Symbol.asyncIterator]();
      for (;;) {
        pending = iterator.next();
        const result = await untilAborted(pending, signal);
        if (result === undefined) return { delivered };
        pending = undefined;
        if (result.done) {
          finished = true;
          return { delivered };
        }
        delivered = true;
        this.#health.packets++;
        this.#health.lastPacketAt = nowMs();
        if (this.#health.state !== 'online') this.#goOnline();
        this.#hub.publish(result.value);
      }
    } catch (error) {
      finished = true;
      return { delivered, error };
    } finally {
      if (iterator !== undefined && !finished) await this.#release(iterator, pending);
    }
  }

  /**
   * Ends an iteration the runner leaves early: `return()` (queued behind a pending `next()` in
   * an async generator), then waits for the source to finish, at most `stopTimeoutMs`.
   */
  async #release(
    iterator: AsyncIterator<MediaPacket | PiecesMediaPacket>,
    pending: Promise<IteratorResult<MediaPacket | PiecesMediaPacket>> | undefined,
  ): Promise<void> {
    const settled = Promise.allSettled([pending, Promise.resolve().then(() => iterator.return?.())]);
    const timeout = new AbortController();
    const finished = await Promise.race([
      settled.then(() => true),
      sleep(this.#stopTimeoutMs, timeout.signal).then(() => false),
    ]);
    timeout.abort();
    if (!finished) {
      this.#emitLog(
        'warn',
        'stuck',
        `${this.#name} did not stop within ${this.#stopTimeoutMs} ms of being aborted; left behind`,
      );
    }
  }

  #onSourceStatus(event: StatusEvent): void {
    if (event.state === 'open') {
      this.#goOnline();
    } else if (event.state === 'reconnecting') {
      const message = event.error?.message ?? 'reconnecting';
      this.#health.restarts++;
      this.#setHealth('retrying', false, message);
      if (this.#reportState) this.#hub.setSourceState({ online: false, error: message });
      const delay = event.delayMs === undefined ? '' : `; retrying in ${event.delayMs} ms`;
      this.#emitLog('warn', 'lost', `${this.#name} lost: ${message}${delay}`, {
        error: message,
        delayMs: event.delayMs,
      });
    }
  }

  #goOnline(): void {
    if (this.#health.state === 'online') return;
    this.#setHealth('online', true);
    if (this.#reportState) this.#hub.setSourceState({ online: true });
    this.#emitLog('debug', 'open', `${this.#name} open`);
  }

  /** A terminal end: offline with the reason, no restart, no more idle handling. */
  #end(reason: string): void {
    this.#finish();
    this.#controller = undefined;
    this.#setHealth('ended', false, reason);
    if (this.#reportState) this.#hub.setSourceState({ online: false, error: reason });
    this.#emitLog('warn', 'ended', `${this.#name} ended: ${reason}; not restarting`, { error: reason });
  }

  #setHealth(state: SourceRunState, online: boolean, error?: string): void {
    this.#health.state = state;
    this.#health.online = online;
    if (error === undefined) delete this.#health.error;
    else this.#health.error = error;
  }

  #emitLog(
    level: SourceLogEvent['level'],
    event: SourceLogEvent['event'],
    line: string,
    detail: Pick<SourceLogEvent, 'error' | 'delayMs'> = {},
  ): void {
    if (this.#log === undefined) return;
    const logged: SourceLogEvent = { level, event, name: this.#name };
    if (detail.error !== undefined) logged.error = detail.error;
    if (detail.delayMs !== undefined) logged.delayMs = detail.delayMs;
    try {
      this.#log(line, logged);
    } catch {
      // A failing logger must not stop the source.
    }
  }
}

/** Whether an error ends the source for good. */
function isTerminal(error: unknown): boolean {
  if (error instanceof SourceEndedError) return true;
  return (error as { code?: unknown } | null)?.code === 'INPUT_ENDED';
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
