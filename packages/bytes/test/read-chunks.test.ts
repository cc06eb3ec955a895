import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isReadableStream, readChunks, sleep, sleepUntil } from '../src/index.js';
import { nowMs } from '../src/media.js';

const bytes = (...values: number[]) => new Uint8Array(values);

async function collect(source: AsyncIterable<Uint8Array>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const chunk of source) out.push([...chunk]);
  return out;
}

/** A ReadableStream that hands out `chunks`, then stays open with nothing more to say. */
function quietStream(chunks: Uint8Array[]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

describe('readChunks', () => {
  it('yields a stream and an iterable to their ends, skipping empty chunks', async () => {
    const chunks = [bytes(1), bytes(), bytes(2, 3)];
    expect((await collect(readChunks(new Blob([bytes(1), bytes(2, 3)]).stream()))).flat()).toEqual([1, 2, 3]);
    expect(await collect(readChunks(Readable.from(chunks)))).toEqual([[1], [2, 3]]);
    const { stream } = quietStream(chunks);
    const controller = new AbortController();
    const out: number[][] = [];
    for await (const chunk of readChunks(stream, { signal: controller.signal })) {
      out.push([...chunk]);
      if (out.length === 2) controller.abort();
    }
    expect(out).toEqual([[1], [2, 3]]);
  });

  it('returns at once on abort while a stream read is pending, and releases without cancelling', async () => {
    const { stream, cancelled } = quietStream([bytes(7)]);
    const controller = new AbortController();
    const reading = collect(readChunks(stream, { signal: controller.signal }));
    await sleep(20);
    controller.abort();
    expect(await reading).toEqual([[7]]);
    expect(cancelled()).toBe(false);
    expect(stream.locked).toBe(false);
  });

  it('cancels a stream it was told it owns (close: true) when aborted', async () => {
    const { stream, cancelled } = quietStream([]);
    const controller = new AbortController();
    const reading = collect(readChunks(stream, { signal: controller.signal, close: true }));
    await sleep(10);
    controller.abort();
    await reading;
    expect(cancelled()).toBe(true);
  });

  it('returns at once on abort while a Node Readable is quiet, leaving it open and losing no chunk', async () => {
    const input = new PassThrough();
    input.write(bytes(1));
    const first = new AbortController();
    const firstRead = collect(readChunks(input, { signal: first.signal }));
    await sleep(20);
    first.abort();
    expect(await firstRead).toEqual([[1]]);
    expect(input.destroyed).toBe(false);

    // Written while nobody reads: the parked next() takes it, and the next read gets it.
    input.write(bytes(2));
    await sleep(10);
    const second = collect(readChunks(input));
    input.end(bytes(3));
    expect(await second).toEqual([[2], [3]]);
  });

  it('calls return() on the iterator of a source it owns (close: true) on abort', async () => {
    let returned = false;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<Uint8Array>>(() => {}),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const controller = new AbortController();
    const reading = collect(readChunks(source, { signal: controller.signal, close: true }));
    await sleep(10);
    controller.abort();
    expect(await reading).toEqual([]);
    expect(returned).toBe(true);
  });

  it('keeps an iterable it does not own open after a break, and resumes it', async () => {
    async function* numbers() {
      for (let i = 1; i <= 4; i++) yield bytes(i);
    }
    const source = numbers();
    const out: number[] = [];
    for await (const chunk of readChunks(source)) {
      out.push(chunk[0] ?? -1);
      if (out.length === 2) break;
    }
    for await (const chunk of readChunks(source)) out.push(chunk[0] ?? -1);
    expect(out).toEqual([1, 2, 3, 4]);
  });

  it('rethrows a source error and does not resume that iterator', async () => {
    let calls = 0;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          calls++;
          throw new Error('boom');
        },
      }),
    };
    await expect(collect(readChunks(source))).rejects.toThrow('boom');
    await expect(collect(readChunks(source))).rejects.toThrow('boom');
    expect(calls).toBe(2);
  });

  it('reads nothing when the signal is already aborted', async () => {
    const { stream } = quietStream([bytes(1)]);
    expect(await collect(readChunks(stream, { signal: AbortSignal.abort() }))).toEqual([]);
    expect(stream.locked).toBe(false);
  });

  it('tells streams from iterables by shape', () => {
    expect(isReadableStream(new ReadableStream())).toBe(true);
    expect(isReadableStream(new PassThrough())).toBe(false);
    expect(isReadableStream(undefined)).toBe(false);
  });
});

describe('sleep and sleepUntil', () => {
  it('sleep resolves true after the delay and false at once on abort', async () => {
    expect(await sleep(5)).toBe(true);
    const controller = new AbortController();
    const started = nowMs();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(nowMs() - started).toBeLessThan(1000);
    expect(await sleep(10, AbortSignal.abort())).toBe(false);
  });

  it('sleepUntil never resolves before the instant', async () => {
    for (let i = 0; i < 20; i++) {
      const due = nowMs() + 3.5;
      expect(await sleepUntil(due)).toBe(true);
      expect(nowMs()).toBeGreaterThanOrEqual(due);
    }
    expect(await sleepUntil(nowMs() + 60_000, AbortSignal.abort())).toBe(false);
  });
});
