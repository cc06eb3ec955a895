import { nowMs, RateMeter } from '@mjpeg-kit/bytes';

/** The counters every stream's stats have, over fetch (`openStream`) or `/ws` alike. */
export interface MeteredCounters {
  /** Frames per second delivered, over the last ~2 s. */
  readonly fps: number;
  /** Body bits per second received, over the last ~2 s. */
  readonly bitrateBps: number;
  /** Bytes received. */
  bytes: number;
  /** JPEG frames delivered. */
  frames: number;
  /** Audio packets delivered. */
  audioPackets: number;
  /** Frames missed. */
  framesDropped: number;
}

/** One stream's frame and byte rates, and the gaps in its frames' `seq`. */
export class StreamMeter {
  readonly #frameRate = new RateMeter();
  readonly #byteRate = new RateMeter();
  #lastSeq: number | undefined;

  /**
   * A stream's live stats: zeroed counters whose `fps` and `bitrateBps` read this meter when read,
   * then `fields`. (Assigned, not spread: a spread would copy the rates once instead of the getters.)
   */
  createStats<T extends object>(fields: T): MeteredCounters & T {
    const frameRate = this.#frameRate;
    const byteRate = this.#byteRate;
    const counters: MeteredCounters = {
      get fps() {
        return frameRate.rate(nowMs());
      },
      get bitrateBps() {
        return byteRate.byteRate(nowMs()) * 8;
      },
      bytes: 0,
      frames: 0,
      audioPackets: 0,
      framesDropped: 0,
    };
    return Object.assign(counters, fields);
  }

  /** Counts `size` bytes received now. */
  addBytes(size: number): void {
    this.#byteRate.add(nowMs(), size);
  }

  /** Counts a frame delivered at `now`; returns how many frames its `seq` says were missed before it. */
  addFrame(seq: number | undefined, now: number): number {
    this.#frameRate.add(now);
    if (seq === undefined) return 0;
    const last = this.#lastSeq;
    this.#lastSeq = seq;
    return last !== undefined && seq > last + 1 ? seq - last - 1 : 0;
  }
}
