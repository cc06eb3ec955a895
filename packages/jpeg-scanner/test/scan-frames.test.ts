import { describe, expect, it } from 'vitest';
import { type JpegScannerStats, scanJpegFrames } from '../src/index.js';
import { join, readCorpus, splitEvery } from './helpers.js';

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
});
