import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type JpegScannerStats, scanJpegFrames } from '../src/index.js';
import { join, readCorpus, sameFrames, splitEvery } from './helpers.js';

const a = readCorpus('cjpeg-420.jpg');
const b = readCorpus('exif-thumbnail-mm.jpg');
const input = join(new Uint8Array([1, 2, 3]), a, b, a.subarray(0, 100));

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for await (const frame of source) frames.push(frame);
  return frames;
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

describe('scanJpegFrames', () => {
  it('yields the frames of a ReadableStream and releases its lock', async () => {
    const stream = streamOf(splitEvery(input, 1000));
    expect(await collect(scanJpegFrames(stream))).toEqual([a, b]);
    expect(stream.locked).toBe(false);
  });

  it('yields the frames of an async iterable and reports stats', async () => {
    async function* source(): AsyncGenerator<Uint8Array> {
      for (const chunk of splitEvery(input, 333)) yield chunk;
    }
    let stats: JpegScannerStats | undefined;
    const frames = await collect(scanJpegFrames(source(), { onStats: (live) => (stats = live) }));
    expect(frames).toEqual([a, b]);
    expect(stats).toMatchObject({ frames: 2, droppedFrames: 1 });
    // 3 bytes of garbage, then the cut frame at the end: dropped, or skipped when searched again.
    expect((stats?.skippedBytes ?? 0) + (stats?.droppedBytes ?? 0)).toBe(103);
  });

  it('releases the stream when the consumer stops early', async () => {
    const stream = streamOf(splitEvery(input, 1000));
    for await (const frame of scanJpegFrames(stream)) {
      expect(frame).toEqual(a);
      break;
    }
    expect(stream.locked).toBe(false);
  });

  it('throws the abort reason and releases the stream when the signal aborts', async () => {
    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(a) }); // never closes
    const frames: Uint8Array[] = [];
    const run = (async () => {
      for await (const frame of scanJpegFrames(stream, { signal: controller.signal })) {
        frames.push(frame);
        controller.abort(new Error('stop'));
      }
    })();
    await expect(run).rejects.toThrow('stop');
    expect(frames).toEqual([a]);
    expect(stream.locked).toBe(false);
  });

  it('throws at once on an already aborted signal', async () => {
    const iterator = scanJpegFrames(streamOf([a]), { signal: AbortSignal.abort(new Error('early')) });
    await expect(iterator.next()).rejects.toThrow('early');
  });

  describe('on abort the source is released, never cancelled or destroyed (#9)', () => {
    /** Scans `source` until `count` frames came, lets a read go pending, aborts; times the end. */
    async function scanThenAbort(source: PassThrough | ReadableStream<Uint8Array>, count: number) {
      const controller = new AbortController();
      const frames: Uint8Array[] = [];
      const scanning = (async () => {
        for await (const frame of scanJpegFrames(source, { signal: controller.signal })) frames.push(frame);
      })();
      await until(() => frames.length === count);
      await new Promise((resolve) => setTimeout(resolve, 20)); // a read is now pending
      const abortedAt = performance.now();
      controller.abort(new Error('stop'));
      const error = await within(scanning, 1000).catch((caught: unknown) => caught);
      return { frames, error, endedAfterMs: performance.now() - abortedAt };
    }

    it('ends promptly when a quiet PassThrough (stdin, say) is aborted, and leaves it open (#9)', async () => {
      const source = new PassThrough();
      source.write(a);
      const { frames, error, endedAfterMs } = await scanThenAbort(source, 1);
      expect(sameFrames(frames, [a])).toBe(true);
      expect((error as Error).message).toBe('stop');
      expect(endedAfterMs).toBeLessThan(250);
      expect(source.destroyed).toBe(false);
    });

    it('lets a later scanJpegFrames of the same PassThrough go on with no byte lost (#9)', async () => {
      const source = new PassThrough();
      source.write(a);
      await scanThenAbort(source, 1);
      // Written before anyone reads again: the read left pending takes it and must hand it on.
      source.write(b.subarray(0, 100));
      source.write(b.subarray(100));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(source.destroyed).toBe(false);
      const later = collect(scanJpegFrames(source));
      source.end(a);
      expect(sameFrames(await within(later, 1000), [b, a])).toBe(true);
    });

    it('releases a ReadableStream without cancelling it, even with a read pending (#9)', async () => {
      let cancelled = false;
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          controller = c;
          c.enqueue(a);
        },
        cancel() {
          cancelled = true;
        },
      });
      const { frames, error, endedAfterMs } = await scanThenAbort(stream, 1);
      expect(frames).toEqual([a]);
      expect((error as Error).message).toBe('stop');
      expect(endedAfterMs).toBeLessThan(250);
      expect(cancelled).toBe(false);
      expect(stream.locked).toBe(false);
      controller.enqueue(b);
      controller.close();
      expect(await collect(scanJpegFrames(stream))).toEqual([b]);
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
