/**
 * A small jitter buffer of mono float samples at the output rate, each block tagged with the
 * `X-Timestamp` of its first sample. Playback starts once `targetMs` is buffered; on an underrun it
 * plays silence and primes again; when more than `maxMs` piles up (a burst after a network stall,
 * or clock drift between camera and sound card) the oldest samples are dropped back to the target.
 *
 * The target adapts, as a VoIP jitter buffer's does: each underrun raises it (and the ceiling with
 * it) by one `targetMs` step, up to `maxTargetSteps` (3) steps, since a feed that ran dry once
 * (a main thread busy decoding on a slow phone) will again; every `stableSeconds` (10) of play
 * without one it comes down a step, so the added latency lasts only while it is needed.
 *
 * The class is also the body of the AudioWorklet module (its source text is embedded with
 * `Function.prototype.toString`), so it must stay self-contained: no imports, no references to
 * module scope, no `#private` fields (a bundler targeting older engines rewrites those into
 * module-level helpers).
 */
export class PcmJitterBuffer {
  // Instance fields, not static ones or module constants: the class text alone is the worklet's
  // source, and a bundler lowering static fields would move them out of it.
  /** The target rises to at most this many times `targetMs`. */
  readonly maxTargetSteps = 3;
  /** Seconds of play without an underrun after which a raised target comes down a step. */
  readonly stableSeconds = 10;

  /** Output rate, samples per second. */
  sampleRate: number;
  /** Samples to buffer before playing: `stepSamples` times the current step. */
  targetSamples: number;
  /** Buffered samples above which the oldest are dropped: the target plus a fixed headroom. */
  maxSamples: number;
  /** The configured target, the size of each adaptive step. */
  stepSamples: number;
  /** `maxSamples` minus `targetSamples`, kept as the target moves. */
  headroomSamples: number;
  /** Samples played since the last underrun or step down. */
  playedSinceChange = 0;
  /** Queued blocks, oldest first; `offset` samples of the first are already played. */
  blocks: Float32Array[] = [];
  /** Epoch milliseconds of each queued block's first sample. */
  stamps: number[] = [];
  offset = 0;
  /** Samples queued and not yet played. */
  buffered = 0;
  /** True until `targetSamples` are queued (at start and after each underrun). */
  priming = true;
  /** Times the buffer ran dry while playing. */
  underruns = 0;
  /** Samples dropped: trimmed oldest-first when over `maxSamples`, or late / duplicate packets. */
  droppedSamples = 0;
  /** Expected timestamp of the sample after the last queued one, NaN before the first push. */
  nextTimestamp = Number.NaN;

  /**
   * @param sampleRate - output rate, samples per second.
   * @param targetMs - latency to build before playing (jitter absorbed), milliseconds.
   * @param maxMs - buffered audio above which the oldest is dropped, milliseconds.
   */
  constructor(sampleRate: number, targetMs: number, maxMs: number) {
    this.sampleRate = sampleRate;
    this.stepSamples = Math.max(1, Math.round((sampleRate * targetMs) / 1000));
    this.targetSamples = this.stepSamples;
    this.maxSamples = Math.max(this.targetSamples + 1, Math.round((sampleRate * maxMs) / 1000));
    this.headroomSamples = this.maxSamples - this.targetSamples;
  }

  /** Milliseconds queued and not yet played. */
  get bufferedMs(): number {
    return (this.buffered * 1000) / this.sampleRate;
  }

  /** The current (adapted) target, milliseconds. */
  get targetMs(): number {
    return (this.targetSamples * 1000) / this.sampleRate;
  }

  /** Moves the target by `steps` (clamped to 1 … `maxTargetSteps` steps), the ceiling with it. */
  adapt(steps: number): void {
    const current = Math.round(this.targetSamples / this.stepSamples);
    const next = Math.min(this.maxTargetSteps, Math.max(1, current + steps));
    this.targetSamples = next * this.stepSamples;
    this.maxSamples = this.targetSamples + this.headroomSamples;
    this.playedSinceChange = 0;
  }

  /**
   * Queues `samples` whose first sample was captured at `timestampMs` (epoch ms). A block that
   * lies wholly before what is already queued (a late or repeated packet) is dropped and counted.
   */
  push(samples: Float32Array, timestampMs: number): void {
    const length = samples.length;
    if (length === 0) return;
    const endMs = timestampMs + (length * 1000) / this.sampleRate;
    // A block ending before the queued audio's end (1 ms slack for rounding) would play out of order.
    if (endMs <= this.nextTimestamp - 1) {
      this.droppedSamples += length;
      return;
    }
    this.blocks.push(samples);
    this.stamps.push(timestampMs);
    this.buffered += length;
    this.nextTimestamp = endMs;
    if (this.buffered > this.maxSamples) this.discard(this.buffered - this.targetSamples);
    if (this.priming && this.buffered >= this.targetSamples) this.priming = false;
  }

  /**
   * Fills `out` with the next samples, silence where none are due (priming or underrun).
   * Returns how many real samples were written.
   */
  pull(out: Float32Array): number {
    const wanted = out.length;
    if (this.priming) {
      out.fill(0);
      return 0;
    }
    let written = 0;
    while (written < wanted && this.blocks.length > 0) {
      const block = this.blocks[0] as Float32Array;
      const take = Math.min(wanted - written, block.length - this.offset);
      out.set(block.subarray(this.offset, this.offset + take), written);
      written += take;
      this.offset += take;
      this.buffered -= take;
      if (this.offset === block.length) {
        this.blocks.shift();
        this.stamps.shift();
        this.offset = 0;
      }
    }
    if (written < wanted) {
      out.fill(0, written);
      this.underruns++;
      this.priming = true;
      this.adapt(1);
    } else if (this.targetSamples > this.stepSamples) {
      this.playedSinceChange += written;
      if (this.playedSinceChange >= this.stableSeconds * this.sampleRate) this.adapt(-1);
    }
    return written;
  }

  /** Epoch milliseconds of the next sample to play, or NaN while nothing is queued or priming. */
  playheadMs(): number {
    if (this.priming || this.blocks.length === 0) return Number.NaN;
    return (this.stamps[0] as number) + (this.offset * 1000) / this.sampleRate;
  }

  /** Drops `count` samples, oldest first. */
  discard(count: number): void {
    let left = Math.min(count, this.buffered);
    this.droppedSamples += left;
    while (left > 0 && this.blocks.length > 0) {
      const block = this.blocks[0] as Float32Array;
      const take = Math.min(left, block.length - this.offset);
      this.offset += take;
      this.buffered -= take;
      left -= take;
      if (this.offset === block.length) {
        this.blocks.shift();
        this.stamps.shift();
        this.offset = 0;
      }
    }
  }

  /** Empties the buffer and primes again (after a reconnect or a pause); the adapted target stays. */
  clear(): void {
    this.blocks = [];
    this.stamps = [];
    this.offset = 0;
    this.buffered = 0;
    this.priming = true;
    this.nextTimestamp = Number.NaN;
  }
}
