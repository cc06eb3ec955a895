/** The rates cover events younger than this; older ones never count. */
const WINDOW_MS = 2000;
/** The window is kept as this many time buckets, so memory and work per event stay fixed. */
const BUCKETS = 8;
const BUCKET_MS = WINDOW_MS / BUCKETS;

/**
 * Events per second and bytes per second over the last 2 s (frames delivered, body bytes
 * received): O(1) per event, fixed memory whatever the rate, nothing allocated.
 *
 * Both rates are measured between the first and the last event in the window, so evenly spaced
 * events give their exact rate: `(events − 1) / span` and the bytes after the first event over the
 * same span. The window moves in 250 ms steps: an event counts until it is between 1.75 s and 2 s
 * old. Fewer than two events in the window read 0, so a stopped source reads 0 within 2 s.
 * Times are milliseconds on one monotonic clock (`nowMs()`).
 *
 * @example
 * ```ts
 * const frames = new RateMeter();
 * frames.add(nowMs(), frame.body.length); // per frame
 * frames.rate(nowMs()); // frames per second
 * frames.byteRate(nowMs()) * 8; // bits per second
 * ```
 */
export class RateMeter {
  readonly #tags = new Float64Array(BUCKETS).fill(Number.NaN);
  readonly #counts = new Float64Array(BUCKETS);
  readonly #bytes = new Float64Array(BUCKETS);
  readonly #firstAt = new Float64Array(BUCKETS);
  readonly #firstBytes = new Float64Array(BUCKETS);
  readonly #lastAt = new Float64Array(BUCKETS);
  // The last #measure, kept in fields so reading a rate allocates nothing.
  #count = 0;
  #byteSum = 0;
  #spanMs = 0;

  /** Records one event at `atMs` carrying `bytes` (default 0). */
  add(atMs: number, bytes = 0): void {
    const tag = Math.floor(atMs / BUCKET_MS);
    const slot = ((tag % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.#tags[slot] !== tag) {
      this.#tags[slot] = tag;
      this.#counts[slot] = 0;
      this.#bytes[slot] = 0;
      this.#firstAt[slot] = atMs;
      this.#firstBytes[slot] = bytes;
    }
    this.#counts[slot]!++;
    this.#bytes[slot]! += bytes;
    this.#lastAt[slot] = atMs;
  }

  /** Events per second over the window ending at `nowMs`; 0 with fewer than two events in it. */
  rate(nowMs: number): number {
    this.#measure(nowMs);
    return this.#spanMs > 0 ? ((this.#count - 1) * 1000) / this.#spanMs : 0;
  }

  /** Bytes per second over the window ending at `nowMs`; 0 with fewer than two events in it. */
  byteRate(nowMs: number): number {
    this.#measure(nowMs);
    return this.#spanMs > 0 ? (this.#byteSum * 1000) / this.#spanMs : 0;
  }

  /** Sums the buckets inside the window: events, bytes after the first event, first-to-last span. */
  #measure(nowMs: number): void {
    const newest = Math.floor(nowMs / BUCKET_MS);
    let count = 0;
    let bytes = 0;
    let firstAt = Number.POSITIVE_INFINITY;
    let firstBytes = 0;
    let lastAt = Number.NEGATIVE_INFINITY;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const tag = this.#tags[slot]!;
      if (!(tag > newest - BUCKETS && tag <= newest)) continue;
      count += this.#counts[slot]!;
      bytes += this.#bytes[slot]!;
      if (this.#firstAt[slot]! < firstAt) {
        firstAt = this.#firstAt[slot]!;
        firstBytes = this.#firstBytes[slot]!;
      }
      if (this.#lastAt[slot]! > lastAt) lastAt = this.#lastAt[slot]!;
    }
    this.#count = count;
    this.#byteSum = bytes - firstBytes;
    this.#spanMs = count >= 2 ? lastAt - firstAt : 0;
  }
}
