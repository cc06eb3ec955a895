import { type ByteSource, readChunks } from '@mjpeg-kit/bytes';
import type { BodyForm, MultipartParserOptions } from './options.js';
import { MultipartParser, type PartOf } from './parser.js';

/**
 * Options of {@link parseMultipart}: the parser's options (limits, `bodies`) and an
 * `AbortSignal`.
 */
export interface ParseMultipartOptions<F extends BodyForm = 'contiguous'> extends MultipartParserOptions<F> {
  /**
   * Stops reading at once, even while a read is pending: the generator throws `signal.reason`.
   * The source is released, never cancelled or destroyed (see {@link parseMultipart}).
   */
  signal?: AbortSignal;
}

/**
 * Reads a multipart stream into parts: an async generator over a `ReadableStream` (read
 * with `getReader()`, so Safari works) or any async iterable of chunks (a Node `Readable`, a
 * socket). Adds no parsing to {@link MultipartParser}; `end()` runs when the source ends, so
 * a truncated last part throws `TRUNCATED`.
 *
 * The source stays the caller's. When the generator finishes early (abort, `break`, an error)
 * it is released, never cancelled or destroyed: a stream's lock is released (a read still
 * pending is given up, its chunk left in the stream), and an iterable's iterator is not
 * `return()`ed (that would destroy a Node `Readable` or socket) but kept with its pending read,
 * so a later `parseMultipart` of the same iterable goes on from the next unread byte. The
 * parser's state is not kept: a part cut by the abort is lost, and the next read starts by
 * looking for a delimiter. To stop the source as well, cancel or destroy it (abort the fetch).
 *
 * With `bodies: 'pieces'` each part comes with `pieces`, its body as views of the source's
 * chunks, never copied (`PiecesPart`): for `new Blob(part.pieces)` or a write per piece.
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
export async function* parseMultipart<F extends BodyForm = 'contiguous'>(
  source: ByteSource,
  boundary: string,
  options: ParseMultipartOptions<F> = {},
): AsyncGenerator<PartOf<F>, void, undefined> {
  const parser = new MultipartParser<F>(boundary, options);
  const signal = options.signal;
  signal?.throwIfAborted();
  for await (const chunk of readChunks(source, { signal })) {
    for (const part of parser.write(chunk)) {
      yield part;
      signal?.throwIfAborted();
    }
  }
  // readChunks returns (rather than throws) on abort: the end of the source is not the end here.
  signal?.throwIfAborted();
  for (const part of parser.end()) yield part;
}
