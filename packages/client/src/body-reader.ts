import { readChunks } from '@mjpeg-kit/bytes';
import { IdleWatchdog } from './idle-watchdog.js';

/**
 * Reads a response body chunk by chunk under an {@link IdleWatchdog}, until the body ends or
 * the request's signal aborts (at once, even with a read pending). When one read waits
 * `idleTimeoutMs`, the watchdog aborts the request, so the pending read ends and `timedOut`
 * turns true. The body is cancelled and released on every exit. Read failures are rethrown
 * as they are: the caller maps them, knowing what the response was.
 */
export class BodyReader {
  /** Body bytes returned so far. */
  bytesReceived = 0;
  readonly #body: ReadableStream<Uint8Array>;
  readonly #chunks: AsyncGenerator<Uint8Array, void, undefined>;
  readonly #watchdog: IdleWatchdog;

  constructor(body: ReadableStream<Uint8Array>, request: AbortController, idleTimeoutMs: number) {
    this.#body = body;
    this.#chunks = readChunks(body, { signal: request.signal, close: true });
    this.#watchdog = new IdleWatchdog(idleTimeoutMs, () => request.abort());
  }

  /** `idleTimeoutMs` as given. */
  get idleTimeoutMs(): number {
    return this.#watchdog.timeoutMs;
  }

  /** Whether the idle watchdog ended the body; a read settling after that is its doing. */
  get timedOut(): boolean {
    return this.#watchdog.fired;
  }

  /**
   * The next chunk, or `undefined` when the body ended or the request was aborted (by the
   * caller or by the watchdog). Rejects as the underlying read does.
   */
  async read(): Promise<Uint8Array | undefined> {
    const result = await this.#watchdog.watch(() => this.#chunks.next());
    if (result.done === true) return undefined;
    this.bytesReceived += result.value.length;
    return result.value;
  }

  /**
   * Stops the watchdog, cancels the body and releases its lock. Call it with no read pending
   * (a pending read would hold it up). Safe to call more than once.
   */
  async close(): Promise<void> {
    this.#watchdog.stop();
    await this.#chunks.return(undefined).catch(() => {});
    // The reader cancels the body when it stops early; one that never took the body's lock
    // (no read yet, or aborted before its first read) could not, so cancel it here.
    if (!this.#body.locked) this.#body.cancel().catch(() => {});
  }
}
