import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MultipartError, type Part, parseMultipart } from '../src/index.js';
import { bytes, pieces, text } from './replay.js';

const STREAM = bytes(
  '--B\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\n\r\nabc\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B--\r\n',
);

function readable(chunks: Uint8Array[], options: { hang?: boolean } = {}): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++]!);
      else if (!options.hang) controller.close();
      // hang: never enqueue again, like a stalled camera
    },
  });
}

async function* iterable(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

async function collect(parts: AsyncIterable<{ body: Uint8Array; contentType?: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const part of parts) out.push(`${part.contentType}:${text(part.body)}`);
  return out;
}

describe('parseMultipart', () => {
  it('reads a ReadableStream in 5-byte chunks and releases its lock at the end', async () => {
    const stream = readable(pieces(STREAM, 5));
    expect(await collect(parseMultipart(stream, 'B'))).toEqual(['image/jpeg:abc', 'text/plain:hello']);
    expect(stream.locked).toBe(false);
  });

  it('reads any async iterable', async () => {
    expect(await collect(parseMultipart(iterable(pieces(STREAM, 3)), 'B'))).toEqual([
      'image/jpeg:abc',
      'text/plain:hello',
    ]);
  });

  it('passes limits to the parser', async () => {
    const error = await collect(parseMultipart(iterable([STREAM]), 'B', { maxHeaderBytes: 10 })).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(MultipartError);
    expect(error.code).toBe('HEADER_TOO_LARGE');
  });

  it('throws TRUNCATED when the source ends inside a part', async () => {
    const error = await collect(parseMultipart(iterable([STREAM.subarray(0, 70)]), 'B')).catch((e) => e);
    expect(error).toMatchObject({ code: 'TRUNCATED', offset: 70 });
  });

  it('releases the lock when the consumer breaks out early', async () => {
    const stream = readable(pieces(STREAM, 4));
    for await (const part of parseMultipart(stream, 'B')) {
      expect(text(part.body)).toBe('abc');
      break;
    }
    expect(stream.locked).toBe(false);
  });

  it('stops a stalled stream on abort, throwing the reason, and releases the lock', async () => {
    const stream = readable([STREAM.subarray(0, 70)], { hang: true });
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const part of parseMultipart(stream, 'B', { signal: controller.signal }))
        seen.push(text(part.body));
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('viewer left'));
    await expect(done).rejects.toThrow('viewer left');
    expect(seen).toEqual(['abc']);
    expect(stream.locked).toBe(false);
  });

  it('stops a stalled async iterable on abort', async () => {
    const controller = new AbortController();
    async function* stalled(): AsyncGenerator<Uint8Array> {
      yield STREAM.subarray(0, 10);
      await new Promise(() => {});
    }
    const done = collect(parseMultipart(stalled(), 'B', { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await expect(done).rejects.toThrow('stop');
  });

  it('throws at once with an already aborted signal', async () => {
    const error = await collect(
      parseMultipart(iterable([STREAM]), 'B', { signal: AbortSignal.abort() }),
    ).catch((e) => e);
    expect(error.name).toBe('AbortError');
  });

  describe('on abort the source is released, never cancelled or destroyed (#9)', () => {
    /** A part as a camera writes it: the delimiter line first. */
    const part = (body: string) =>
      bytes(`--B\r\nContent-Type: image/jpeg\r\nContent-Length: ${body.length}\r\n\r\n${body}\r\n`);

    /** Reads parts into `seen` until `count` have come, then waits on the next read; aborts it. */
    async function readThenAbort(source: PassThrough | ReadableStream<Uint8Array>, count: number) {
      const controller = new AbortController();
      const seen: string[] = [];
      const reading = (async () => {
        for await (const next of parseMultipart(source, 'B', { signal: controller.signal })) {
          seen.push(text(next.body));
        }
      })();
      await until(() => seen.length === count);
      await new Promise((resolve) => setTimeout(resolve, 20)); // a read is now pending
      const abortedAt = performance.now();
      controller.abort(new Error('viewer left'));
      const error = await within(reading, 1000).catch((caught: unknown) => caught);
      return { seen, error, endedAfterMs: performance.now() - abortedAt };
    }

    it('leaves a Node PassThrough open, and a second parseMultipart reads the next parts with no byte lost (#9)', async () => {
      const source = new PassThrough();
      source.write(part('one'));
      source.write(part('two'));
      const first = await readThenAbort(source, 2);
      expect(first.seen).toEqual(['one', 'two']);
      expect((first.error as Error).message).toBe('viewer left');
      // Written after the abort, before anyone reads again: the read the first generator left
      // pending takes this chunk, and must hand it on rather than drop it and destroy the stream.
      const three = part('three');
      source.write(three.subarray(0, 7));
      source.write(three.subarray(7));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(source.destroyed).toBe(false);
      const parts: Part[] = [];
      const second = (async () => {
        for await (const next of parseMultipart(source, 'B')) parts.push(next);
      })();
      source.end(bytes('--B\r\nContent-Length: 4\r\n\r\nfour\r\n--B--\r\n'));
      await within(second, 1000);
      expect(parts.map((next) => text(next.body))).toEqual(['three', 'four']);
    });

    it('releases a ReadableStream without cancelling it, and a second parseMultipart reads on (#9)', async () => {
      let cancelled = false;
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          controller = c;
          c.enqueue(part('one'));
        },
        cancel() {
          cancelled = true;
        },
      });
      const first = await readThenAbort(stream, 1);
      expect(first.seen).toEqual(['one']);
      expect((first.error as Error).message).toBe('viewer left');
      expect(stream.locked).toBe(false);
      expect(cancelled).toBe(false);

      controller.enqueue(part('two'));
      controller.close();
      const parts: Part[] = [];
      for await (const next of parseMultipart(stream, 'B')) parts.push(next);
      expect(parts.map((next) => text(next.body))).toEqual(['two']);
    });

    it.each([
      ['a Node PassThrough', () => new PassThrough()],
      ['a ReadableStream', () => new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(part('one')) })],
    ])('ends at once when aborted while a read of %s is pending (#9)', async (_name, make) => {
      const source = make();
      if (source instanceof PassThrough) source.write(part('one'));
      const { seen, error, endedAfterMs } = await readThenAbort(source, 1);
      expect(seen).toEqual(['one']);
      expect((error as Error).message).toBe('viewer left');
      expect(endedAfterMs).toBeLessThan(250);
    });
  });
});

/** Waits (at most 2 s) until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** `promise`, or a rejection when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
