const BUCKET_MS = 250;
const BUCKETS = 8;

/** A per-second rate over the last ~2 s, in 250 ms buckets: O(1) per event, no arrays grow. */
export class RateMeter {
  readonly #values = new Float64Array(BUCKETS);
  readonly #tags = new Float64Array(BUCKETS).fill(-1);
  #startedAt: number | undefined;

  /** Counts `amount` at time `now` (ms). */
  add(amount: number, now: number): void {
    this.#startedAt ??= now;
    const tag = Math.floor(now / BUCKET_MS);
    const slot = tag % BUCKETS;
    if (this.#tags[slot] !== tag) {
      this.#tags[slot] = tag;
      this.#values[slot] = 0;
    }
    this.#values[slot]! += amount;
  }

  /** Amount per second over the window ending at `now` (0 before any event or after a 2 s gap). */
  rate(now: number): number {
    if (this.#startedAt === undefined) return 0;
    const tag = Math.floor(now / BUCKET_MS);
    let sum = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const slotTag = this.#tags[slot]!;
      if (slotTag > tag - BUCKETS && slotTag <= tag) sum += this.#values[slot]!;
    }
    const span = Math.min(now - (tag - BUCKETS + 1) * BUCKET_MS, now - this.#startedAt);
    return span > 0 ? (sum * 1000) / span : 0;
  }
}
