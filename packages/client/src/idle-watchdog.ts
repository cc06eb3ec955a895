import { nowMs } from '@mjpeg-kit/bytes';

/**
 * Catches a silent server: calls `onIdle` once when a single read has waited `timeoutMs`.
 * Only time spent waiting on a read counts, so a slow consumer (time between reads) is not
 * mistaken for a silent server. The timer runs from construction until {@link stop}.
 */
export class IdleWatchdog {
  readonly timeoutMs: number;
  readonly #onIdle: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #readStartedAt = 0;
  #reading = false;
  #fired = false;

  constructor(timeoutMs: number, onIdle: () => void) {
    this.timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
    this.#arm(timeoutMs);
  }

  /** Whether `onIdle` was called. */
  get fired(): boolean {
    return this.#fired;
  }

  /** Starts `read` and times it until it settles. */
  async watch<T>(read: () => Promise<T>): Promise<T> {
    this.#readStartedAt = nowMs();
    this.#reading = true;
    try {
      return await read();
    } finally {
      this.#reading = false;
    }
  }

  /** Clears the timer; `onIdle` is not called after this. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(
      () => {
        const waited = nowMs() - this.#readStartedAt;
        if (this.#reading && waited >= this.timeoutMs) {
          this.#timer = undefined;
          this.#fired = true;
          this.#onIdle();
        } else {
          // Not reading (the consumer is busy), or a read started since: wait for what is left.
          this.#arm(this.#reading ? this.timeoutMs - waited : this.timeoutMs);
        }
      },
      Math.max(1, delayMs),
    );
  }
}
