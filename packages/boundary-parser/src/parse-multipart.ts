import type { MultipartParserOptions } from './options.js';
import { MultipartParser, type Part } from './parser.js';

/** Options of {@link parseMultipart}: the parser's limits and an `AbortSignal`. */
export interface ParseMultipartOptions extends MultipartParserOptions {
  /** Stops reading: the generator throws `signal.reason` and releases the source. */
  signal?: AbortSignal;
}

/**
 * Reads a multipart stream into parts: an async generator over a `ReadableStream` (read
 * with `getReader()`, the lock released when the generator finishes, so Safari works) or
 * any async iterable of chunks. Adds no parsing to {@link MultipartParser}; `end()` runs
 * when the source ends, so a truncated last part throws `TRUNCATED`.
 *
 * Breaking out of the loop releases the source without cancelling it: the caller owns the
 * stream (abort the fetch to stop it).
 *
 * @throws {MultipartError} from the parser; `signal.reason` when aborted.
 * @example
 * ```ts
 * const response = await fetch('http://camera.local/video.mjpg');
 * const boundary = getBoundary(response.headers.get('content-type') ?? '');
 * for await (const part of parseMultipart(response.body!, boundary, { signal })) {
 *   console.log(part.contentType, part.body.length);
 * }
 * ```
 */
export async function* parseMultipart(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  boundary: string,
  options: ParseMultipartOptions = {},
): AsyncGenerator<Part, void, undefined> {
  const parser = new MultipartParser(boundary, options);
  const signal = options.signal;
  signal?.throwIfAborted();
  const reader = isReadableStream(source) ? new StreamChunks(source) : new IterableChunks(source);
  try {
    for (;;) {
      const chunk = await untilAborted(reader.next(), signal);
      if (chunk === undefined) break;
      for (const part of parser.write(chunk)) {
        yield part;
        signal?.throwIfAborted();
      }
    }
    for (const part of parser.end()) yield part;
  } finally {
    reader.close();
  }
}

interface ChunkSource {
  /** The next chunk, or `undefined` at the end. */
  next(): Promise<Uint8Array | undefined>;
  /** Releases the source; never waits for a pending read. */
  close(): void;
}

class StreamChunks implements ChunkSource {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }
  async next(): Promise<Uint8Array | undefined> {
    const { done, value } = await this.#reader.read();
    return done ? undefined : value;
  }
  close(): void {
    // A read still pending (after an abort) is rejected by releaseLock(); nobody awaits it.
    this.#reader.releaseLock();
  }
}

class IterableChunks implements ChunkSource {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #done = false;
  constructor(iterable: AsyncIterable<Uint8Array>) {
    this.#iterator = iterable[Symbol.asyncIterator]();
  }
  async next(): Promise<Uint8Array | undefined> {
    const result = await this.#iterator.next();
    if (result.done) {
      this.#done = true;
      return undefined;
    }
    return result.value;
  }
  close(): void {
    if (this.#done) return;
    this.#done = true;
    // Not awaited: an async generator queues return() behind a pending next().
    this.#iterator.return?.()?.catch(() => {});
  }
}

function isReadableStream(source: unknown): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array>).getReader === 'function';
}

/** `promise`, or a rejection with `signal.reason` as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
