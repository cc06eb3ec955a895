/** Frames remembered for the rate: enough for 30 fps over the window. */
const WINDOW_FRAMES = 64;
/** Only frames this recent count, so a stopped source reads 0 within the window. */
const WINDOW_MS = 2000;

/** The recent frame rate, from the arrival times of the last frames. */
export class FrameRateMeter {
  readonly #times: number[] = [];

  /** Records a frame that arrived at `atMs`. */
  add(atMs: number): void {
    this.#times.push(atMs);
    if (this.#times.length > WINDOW_FRAMES) this.#times.shift();
  }

  /** Frames per second over the window ending at `nowMs`; 0 with fewer than two frames in it. */
  rate(nowMs: number): number {
    const times = this.#times;
    let first = 0;
    while (first < times.length && nowMs - times[first]! > WINDOW_MS) first++;
    const count = times.length - first;
    if (count < 2) return 0;
    const spanMs = times[times.length - 1]! - times[first]!;
    return spanMs > 0 ? ((count - 1) * 1000) / spanMs : 0;
  }
}
