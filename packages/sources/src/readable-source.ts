import {
  type ByteSource,
  type LifecycleOptions,
  type MediaPacket,
  nowMs,
  type PacketSource,
  readChunks,
} from '@mjpeg-kit/bytes';
import { JpegScanner } from '@mjpeg-kit/jpeg-scanner';
import { SourceError, toSourceError } from './errors.js';
import { checkOptionalNumberOption, MAX_FRAME_BYTES_RANGE } from './options.js';

/** Options of {@link readableSource}. */
export interface ReadableSourceOptions extends LifecycleOptions {
  /** What the input is called in errors, e.g. `'stdin'` (default `'input'`). */
  name?: string;
  /** Largest frame kept, bytes (default 32 MiB, the scanner's); a larger one is dropped and counted. */
  maxFrameBytes?: number;
  /**
   * The caller hands the input over: when the iteration stops early (abort, `break`), cancel the
   * stream or `return()` its iterator. Default `false`: the input is released, never destroyed,
   * and no chunk is lost, so a later `readableSource` of the same input (after an idle stop,
   * say) continues where this one stopped.
   */
  close?: boolean;
}

/** Live counters of a readable source. */
export interface ReadableSourceStats {
  frames: number;
  /** Bytes of the frames yielded. */
  bytes: number;
  /** Frames cut by the end of the input, broken, or over `maxFrameBytes` (never yielded). */
  droppedFrames: number;
  /** Bytes outside any frame (garbage between frames), skipped. */
  skippedBytes: number;
}

/**
 * Frames from any byte stream carrying concatenated JPEGs (a pipe from
 * `ffmpeg -f mjpeg -`, `process.stdin`, a `fetch` body): each frame is cut by `JpegScanner`
 * and stamped with `nowMs()` when it completes. A frame inside one chunk is a view of it.
 *
 * On abort the iteration ends at once, even with a read pending, and without an error.
 * The input is not the source's (unless `close: true`): it is released, never destroyed, so
 * `process.stdin` can be read again by the next `readableSource` after an idle stop.
 *
 * The input's natural end is terminal, unlike a camera that may come back: the source
 * throws (and reports through `onStatus` `closed`) `SourceError` `INPUT_ENDED` naming the
 * input, so a supervisor can mark the camera offline instead of restarting it.
 *
 * @example
 * ```ts
 * // ffmpeg -f v4l2 -i /dev/video0 -c:v mjpeg -f mjpeg - | node app.js
 * try {
 *   for await (const frame of readableSource(process.stdin, { name: 'stdin', signal })) hub.publish(frame);
 * } catch (error) {
 *   if ((error as SourceError).code === 'INPUT_ENDED') markOffline();
 * }
 * ```
 * @throws SourceError `INPUT_ENDED` when the input ends; `READ_FAILED` when reading it fails.
 */
export function readableSource(
  input: ByteSource,
  options: ReadableSourceOptions = {},
): PacketSource<ReadableSourceStats> {
  const name = options.name ?? 'input';
  const maxFrameBytes = checkOptionalNumberOption(
    'maxFrameBytes',
    options.maxFrameBytes,
    MAX_FRAME_BYTES_RANGE,
  );
  const stats: ReadableSourceStats = { frames: 0, bytes: 0, droppedFrames: 0, skippedBytes: 0 };

  async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    const { signal, onStatus } = options;
    if (signal?.aborted) return;
    const scanner = new JpegScanner({ maxFrameBytes });
    let seq = 0;
    let opened = false;
    let closedError: SourceError | undefined;
    const framed = function* (bodies: Uint8Array[]): Generator<MediaPacket> {
      stats.droppedFrames = scanner.stats.droppedFrames;
      stats.skippedBytes = scanner.stats.skippedBytes;
      for (const body of bodies) {
        stats.frames++;
        stats.bytes += body.length;
        yield { type: 'image/jpeg', body, timestamp: nowMs(), seq: seq++ };
      }
    };
    onStatus?.({ state: 'connecting' });
    try {
      try {
        for await (const chunk of readChunks(input, { signal, close: options.close })) {
          if (!opened) {
            opened = true;
            onStatus?.({ state: 'open' });
          }
          yield* framed(scanner.push(chunk));
        }
      } catch (error) {
        closedError = toSourceError(error, 'READ_FAILED', `cannot read ${name}`);
        throw closedError;
      }
      if (signal?.aborted) return;
      yield* framed(scanner.end());
      closedError = new SourceError('INPUT_ENDED', `${name} ended after ${stats.frames} frames`);
      throw closedError;
    } finally {
      onStatus?.(closedError ? { state: 'closed', error: closedError } : { state: 'closed' });
    }
  }
  return Object.assign(run(), { stats });
}
