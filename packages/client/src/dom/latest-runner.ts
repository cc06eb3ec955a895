/**
 * Runs an async job on the newest item only: at most one job in flight and one item waiting.
 * An item offered while a job runs replaces the waiting one, which is reported as skipped. This is
 * how the player keeps up when decoding is slower than arrival: it skips to the newest frame
 * instead of building a queue (and latency).
 */
export class LatestRunner<T> {
  readonly #run: (item: T) => Promise<void>;
  readonly #onSkip: (item: T) => void;
  #busy = false;
  #waiting: { item: T } | undefined;
  #closed = false;

  /**
   * @param run - the job; its rejection is the job's own business (catch inside).
   * @param onSkip - called with each item replaced before it ran.
   */
  constructor(run: (item: T) => Promise<void>, onSkip: (item: T) => void) {
    this.#run = run;
    this.#onSkip = onSkip;
  }

  /** True while a job runs. */
  get busy(): boolean {
    return this.#busy;
  }

  /** True when an item waits for the running job. */
  get hasWaiting(): boolean {
    return this.#waiting !== undefined;
  }

  /** Runs `item` now, or keeps it as the one waiting (skipping the previous waiting item). */
  offer(item: T): void {
    if (this.#closed) {
      this.#onSkip(item);
      return;
    }
    if (this.#busy) {
      if (this.#waiting) this.#onSkip(this.#waiting.item);
      this.#waiting = { item };
      return;
    }
    void this.#drain(item);
  }

  /** Drops the waiting item (reported as skipped); the running job finishes. */
  clear(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) this.#onSkip(waiting.item);
  }

  /** Clears and refuses further items. */
  close(): void {
    this.#closed = true;
    this.clear();
  }

  async #drain(first: T): Promise<void> {
    this.#busy = true;
    let item: T | undefined = first;
    try {
      while (item !== undefined) {
        try {
          await this.#run(item);
        } catch {
          // Jobs handle their own errors; one failure must not stall the pipeline.
        }
        const next: { item: T } | undefined = this.#closed ? undefined : this.#waiting;
        this.#waiting = undefined;
        item = next?.item;
      }
    } finally {
      this.#busy = false;
    }
  }
}
