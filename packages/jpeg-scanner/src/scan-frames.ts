import { type ByteSource, readChunks } from '@mjpeg-kit/bytes';
import {
  type FrameForm,
  type FrameOf,
  JpegScanner,
  type JpegScannerOptions,
  type JpegScannerStats,
} from './scanner.js';

/** Options for `scanJpegFrames`: the scanner's (limits, `frames`), plus an `AbortSignal`. */
export interface ScanJpegFramesOptions<F extends FrameForm = 'contiguous'> extends JpegScannerOptions<F> {
  /**
   * Stops the scan at once, even while a read is pending: the generator throws `signal.reason`.
   * The source is released, never cancelled or destroyed (see `scanJpegFrames`).
   */
  signal?: AbortSignal;
  /** Receives the scanner's live counters once, before the first read. */
  onStats?: (stats: JpegScannerStats) => void;
}

/**
 * Yields each whole JPEG frame found in `source`, a `ReadableStream` or any async iterable of
 * byte chunks (a Node stream, `process.stdin`, a `fetch` body, a serial port). A `JpegScanner`
 * does the work, so frames may be views of the source's chunks; an unfinished frame at the
 * end is dropped.
 *
 * The source stays the caller's. When the generator finishes early (abort, `break`, an error)
 * it is released, never cancelled or destroyed: a stream's lock is released (a read still
 * pending is given up, its chunk left in the stream), and an iterable's iterator is not
 * `return()`ed (that would destroy a Node `Readable`) but kept with its pending read, so a
 * later `scanJpegFrames` of the same iterable goes on from the next unread byte (a frame cut
 * by the abort is lost). A quiet source never holds up an abort.
 *
 * With `frames: 'pieces'` each frame is a `Uint8Array[]` of views of the source's chunks,
 * never copied: for `new Blob(frame)` or a write per piece.
 *
 * @throws `signal.reason` when aborted.
 * @example
 * ```ts
 * const response = await fetch('http://camera/raw.mjpg');
 * for await (const frame of scanJpegFrames(response.body!, { signal })) {
 *   const { width, height } = readJpegInfo(frame);
 * }
 * ```
 */
export async function* scanJpegFrames<F extends FrameForm = 'contiguous'>(
  source: ByteSource,
  options: ScanJpegFramesOptions<F> = {},
): AsyncGenerator<FrameOf<F>, void, undefined> {
  const { signal } = options;
  signal?.throwIfAborted();
  const scanner = new JpegScanner<F>(options);
  options.onStats?.(scanner.stats);
  for await (const chunk of readChunks(source, { signal })) {
    for (const frame of scanner.push(chunk)) {
      yield frame;
      signal?.throwIfAborted();
    }
  }
  // readChunks returns (rather than throws) on abort: the end of the source is not the end here.
  signal?.throwIfAborted();
  yield* scanner.end();
}
