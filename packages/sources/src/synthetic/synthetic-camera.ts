import {
  type LifecycleOptions,
  type MediaPacket,
  nowMs,
  type PacketSource,
  sleepUntil,
} from '@mjpeg-kit/bytes';
import { checkNumberOption } from '../options.js';
import { TestPatternRenderer } from './test-pattern.js';

/** Options of {@link syntheticCameraSource}. */
export interface SyntheticCameraOptions extends LifecycleOptions {
  /** Frame width in pixels (default 640). */
  width?: number;
  /** Frame height in pixels (default 480). */
  height?: number;
  /** Frames per second, 1..120 (default 30). */
  fps?: number;
  /** JPEG quality 1..100 (default 75). */
  quality?: number;
}

/** Live counters of a synthetic camera. */
export interface SyntheticCameraStats {
  /** Frames yielded. */
  frames: number;
  /** Frame slots skipped because the consumer was late. */
  skippedFrames: number;
  /** Bytes yielded. */
  bytes: number;
  /** Flash frames yielded (one per whole second). */
  flashes: number;
}

/** A frame slot: the second it belongs to and its index within that second. */
interface Slot {
  second: number;
  index: number;
  time: number;
}

/**
 * The default camera when nothing is attached: a moving test pattern (colour bars, a
 * sliding bar, a grey ramp) with the frame counter and the time, as baseline JPEG.
 *
 * Frames are due on a drift-free grid aligned to the shared clock: slot `j` of second
 * `s` is at `s * 1000 + j * 1000 / fps` epoch ms, and the frame's `timestamp` is its slot
 * time. Slot 0 of every second is a white flash frame, so it carries exactly a whole
 * second, the instant {@link syntheticAudioSource} starts its beep. A late consumer
 * makes the source skip slots (counted in `stats.skippedFrames`), never queue them.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * for await (const frame of syntheticCameraSource({ fps: 30, signal: controller.signal })) {
 *   hub.publish(frame);
 * }
 * ```
 * @throws SourceError `INVALID_OPTION` (synchronously) for a size or rate out of range.
 */
export function syntheticCameraSource(
  options: SyntheticCameraOptions = {},
): PacketSource<SyntheticCameraStats> {
  const fps = checkNumberOption('fps', options.fps ?? 30, { min: 1, max: 120 });
  const width = checkNumberOption('width', options.width ?? 640, { min: 16, max: 4096, integer: true });
  const height = checkNumberOption('height', options.height ?? 480, { min: 16, max: 4096, integer: true });
  const renderer = new TestPatternRenderer({ width, height, quality: options.quality });
  const stats: SyntheticCameraStats = { frames: 0, skippedFrames: 0, bytes: 0, flashes: 0 };
  const period = 1000 / fps;
  const slotsPerSecond = Math.ceil(fps - 1e-9);
  const slotAt = (second: number, index: number): Slot =>
    index >= slotsPerSecond
      ? { second: second + 1, index: 0, time: (second + 1) * 1000 }
      : { second, index, time: second * 1000 + index * period };
  /** The last slot at or before `t`. */
  const slotAtOrBefore = (t: number): Slot => {
    const second = Math.floor(t / 1000);
    return slotAt(second, Math.min(slotsPerSecond - 1, Math.floor((t - second * 1000) / period + 1e-9)));
  };

  async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    const { signal, onStatus } = options;
    if (signal?.aborted) return;
    onStatus?.({ state: 'open' });
    try {
      const start = slotAtOrBefore(nowMs());
      let slot = slotAt(start.second, start.index + 1);
      let seq = 0;
      while (!signal?.aborted) {
        if (!(await sleepUntil(slot.time, signal))) break;
        const latest = slotAtOrBefore(nowMs());
        if (latest.time > slot.time) {
          // Late: jump to the newest due slot rather than emit a backlog.
          stats.skippedFrames += Math.round((latest.time - slot.time) / period);
          slot = latest;
        }
        const flash = slot.index === 0;
        const body = renderer.render(slot.time, seq, flash);
        stats.frames++;
        stats.bytes += body.length;
        if (flash) stats.flashes++;
        yield { type: 'image/jpeg', body, timestamp: slot.time, seq: seq++ };
        slot = slotAt(slot.second, slot.index + 1);
      }
    } finally {
      onStatus?.({ state: 'closed' });
    }
  }
  return Object.assign(run(), { stats });
}
