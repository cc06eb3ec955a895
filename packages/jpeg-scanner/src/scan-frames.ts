import { JpegScanner, type JpegScannerOptions, type JpegScannerStats } from './scanner.js';

/** Options for `scanJpegFrames`: the scanner's, plus an `AbortSignal`. */
export interface ScanJpegFramesOptions extends JpegScannerOptions {
  /** Stops the scan: the generator throws `signal.reason` and releases the source. */
  signal?: AbortSignal;
  /** Receives the scanner's live counters once, before the first read. */
  onStats?: (stats: JpegScannerStats) => void;
}

/**
 * Yields each whole JPEG frame found in `source`, a `ReadableStream` or any async iterable of
 * byte chunks (a Node stream, a `fetch` body, a serial port). A `JpegScanner` does the work, so
 * frames may be views of the source's chunks; an unfinished frame at the end is dropped.
 *
 * @example
 * ```ts
 * const response = await fetch('http://camera/raw.mjpg');
 * for await (const frame of scanJpegFrames(response.body!, { signal })) {
 *   const { width, height } = readJpegInfo(frame);
 * }
 * ```
 */
export async function* scanJpegFrames(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: ScanJpegFramesOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { signal } = options;
  signal?.throwIfAborted();
  const scanner = new JpegScanner(options);
  options.onStats?.(scanner.stats);
  if (isReadableStream(source)) {
    // getReader() in a loop: Safari cannot `for await` a ReadableStream.
    const reader = source.getReader();
    const onAbort = (): void => {
      reader.cancel(signal?.reason).catch(() => {});
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        signal?.throwIfAborted();
        if (done) break;
        yield* scanner.push(value);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      reader.releaseLock();
    }
  } else {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      yield* scanner.push(chunk);
    }
  }
  yield* scanner.end();
}

function isReadableStream(source: unknown): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array>).getReader === 'function';
}
