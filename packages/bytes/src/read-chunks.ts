import { untilAborted } from './until-aborted.js';

/** A byte source every reader in mjpeg-kit accepts. */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Options of {@link readChunks}. */
export interface ReadChunksOptions {
  /** Ends the read at once, even while a read is pending: the generator returns. */
  signal?: AbortSignal;
  /**
   * The caller owns the source: when the read ends early (abort, `break`, an error), cancel
   * the stream or `return()` the iterator, so a file handle or child pipe is freed. An async
   * generator (a Node `Readable`'s iterator is one) queues `return()` behind a pending `next()`:
   * an owner that must free a quiet source at once destroys it itself.
   * Default `false`: the source is only released (below).
   */
  close?: boolean;
}

interface ParkedIterator {
  iterator: AsyncIterator<Uint8Array>;
  /** A `next()` that was pending when the last read ended; its chunk belongs to the next read. */
  pending: Promise<IteratorResult<Uint8Array>> | undefined;
}

/** Iterators left open by an earlier read, by the iterable they came from. */
const parked = new WeakMap<object, ParkedIterator>();

/**
 * Yields the chunks of a `ReadableStream` or an async iterable until it ends or `signal`
 * aborts; empty chunks are skipped. The generator returns (it does not throw) on abort, at
 * once, even with a read pending, so a quiet input never holds up a shutdown.
 *
 * A source that is not the caller's (the default) is released, never destroyed, and no chunk
 * is lost, so it can be read again later (after an idle stop, say):
 * - a `ReadableStream` is read with `getReader()` (Safari cannot `for await` one) and its lock
 *   released at the end; a pending read is rejected by the release, not consumed;
 * - an async iterable's iterator is not `return()`ed (that would destroy a Node `Readable` or
 *   socket): it is kept, with any pending `next()`, and the next `readChunks` of the same
 *   iterable continues from it. Its natural end or error forgets it.
 *
 * @example
 * ```ts
 * for await (const chunk of readChunks(process.stdin, { signal })) scanner.push(chunk);
 * ```
 */
export async function* readChunks(
  source: ByteSource,
  options: ReadChunksOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  if (isReadableStream(source)) yield* readStream(source, options);
  else yield* readIterable(source, options);
}

/** Whether `source` is a `ReadableStream` (by shape, so any realm's streams count). */
export function isReadableStream(source: unknown): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array> | undefined)?.getReader === 'function';
}

async function* readStream(
  stream: ReadableStream<Uint8Array>,
  { signal, close = false }: ReadChunksOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (signal?.aborted) return;
  const reader = stream.getReader();
  yield* readUntilDone(
    () => reader.read(),
    noop,
    signal,
    (finished) => {
      if (close && !finished) reader.cancel(signal?.reason).catch(() => {});
      // A read still pending after an abort is rejected by releaseLock(); nobody awaits it.
      reader.releaseLock();
    },
  );
}

async function* readIterable(
  iterable: AsyncIterable<Uint8Array>,
  { signal, close = false }: ReadChunksOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (signal?.aborted) return;
  const state = parked.get(iterable) ?? { iterator: iterable[Symbol.asyncIterator](), pending: undefined };
  parked.delete(iterable);
  const read = () => {
    state.pending ??= state.iterator.next();
    return state.pending;
  };
  const consumed = () => {
    state.pending = undefined;
  };
  yield* readUntilDone(read, consumed, signal, (finished) => {
    if (finished) return;
    if (close) {
      // Not awaited: an async generator queues return() behind a pending next().
      state.pending?.catch(() => {});
      state.iterator.return?.()?.catch(() => {});
    } else {
      parked.set(iterable, state);
    }
  });
}

/**
 * The read loop both sources share: `read()` until done or aborted, skipping empty chunks;
 * `consumed()` once a read's result arrived in time; `release(finished)` at the end, where
 * `finished` is `false` when the read ended early (abort, `break`) and `true` at the source's
 * end or error.
 */
async function* readUntilDone(
  read: () => Promise<IteratorResult<Uint8Array>>,
  consumed: () => void,
  signal: AbortSignal | undefined,
  release: (finished: boolean) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  let finished = false;
  try {
    for (;;) {
      const result = await untilAborted(read(), signal);
      if (result === undefined) return;
      consumed();
      if (result.done) {
        finished = true;
        return;
      }
      if (result.value.length > 0) yield result.value;
    }
  } catch (error) {
    finished = true;
    throw error;
  } finally {
    release(finished);
  }
}

function noop(): void {}
