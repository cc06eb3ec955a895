import { PassThrough } from 'node:stream';
import { concatBytes, type MediaPacket, type StatusEvent } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import type { SourceError } from '../src/errors.js';
import { readableSource } from '../src/readable-source.js';
import { makeTestFrames } from './helpers/jpeg.js';

const FRAMES = makeTestFrames(3);
const JUNK = new TextEncoder().encode('junk before the first frame');
const STREAM = concatBytes([JUNK, ...FRAMES]);

/** `bytes` as a ReadableStream of `size`-byte chunks. */
function streamOf(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

/** Every packet until the source ends; the error it ended with (or `undefined` on a clean end). */
async function drain(
  source: AsyncIterable<MediaPacket>,
): Promise<{ packets: MediaPacket[]; error: unknown }> {
  const packets: MediaPacket[] = [];
  try {
    for await (const packet of source) packets.push(packet);
    return { packets, error: undefined };
  } catch (error) {
    return { packets, error };
  }
}

const indexOfFrame = (body: Uint8Array) =>
  FRAMES.findIndex((frame) => frame.length === body.length && frame.every((byte, i) => body[i] === byte));

describe('readableSource', () => {
  it.each([
    ['whole', STREAM.length],
    ['in 7-byte chunks', 7],
    ['byte by byte', 1],
  ])('frames a ReadableStream fed %s, stamped, numbered and counted', async (_name, size) => {
    const before = performance.timeOrigin + performance.now();
    const source = readableSource(streamOf(STREAM, size));
    const { packets } = await drain(source);
    expect(packets.map((p) => indexOfFrame(p.body))).toEqual([0, 1, 2]);
    packets.forEach((packet, i) => {
      expect(packet.type).toBe('image/jpeg');
      expect(packet.seq).toBe(i);
      expect(packet.timestamp).toBeGreaterThanOrEqual(i === 0 ? before : packets[i - 1]!.timestamp);
    });
    expect(source.stats).toMatchObject({
      frames: 3,
      bytes: FRAMES.reduce((sum, f) => sum + f.length, 0),
      skippedBytes: JUNK.length,
      droppedFrames: 0,
    });
  });

  it('frames an async iterable (a Node Readable) the same way', async () => {
    const input = new PassThrough();
    input.end(STREAM);
    const { packets } = await drain(readableSource(input));
    expect(packets.map((p) => indexOfFrame(p.body))).toEqual([0, 1, 2]);
  });

  it('throws INPUT_ENDED naming the input when it ends, after every frame, and reports it as closed', async () => {
    const events: StatusEvent[] = [];
    const source = readableSource(streamOf(STREAM, 512), { name: 'stdin', onStatus: (e) => events.push(e) });
    const { packets, error } = await drain(source);
    expect(packets).toHaveLength(3);
    expect((error as SourceError).code).toBe('INPUT_ENDED');
    expect((error as SourceError).name).toBe('SourceError');
    expect((error as SourceError).message).toContain('stdin');
    expect(events.map((e) => e.state)).toEqual(['connecting', 'open', 'closed']);
    expect(events[2]!.error).toBe(error);
  });

  it('drops and counts a frame the end of the input cuts', async () => {
    const cut = concatBytes([FRAMES[0]!, FRAMES[1]!.subarray(0, 100)]);
    const source = readableSource(streamOf(cut, 64));
    const { packets, error } = await drain(source);
    expect(packets.map((p) => indexOfFrame(p.body))).toEqual([0]);
    expect((error as SourceError).code).toBe('INPUT_ENDED');
    expect(source.stats.droppedFrames).toBe(1);
  });

  it('drops and counts a frame over maxFrameBytes', async () => {
    const [big] = makeTestFrames(1, 256, 192);
    const maxFrameBytes = Math.max(...FRAMES.map((f) => f.length));
    expect(big!.length).toBeGreaterThan(maxFrameBytes);
    const source = readableSource(streamOf(concatBytes([FRAMES[0]!, big!, FRAMES[1]!]), 256), {
      maxFrameBytes,
    });
    const { packets } = await drain(source);
    expect(packets.map((p) => indexOfFrame(p.body))).toEqual([0, 1]);
    expect(source.stats.droppedFrames).toBe(1);
  });

  it('ends at once on abort while a read is pending, without an error', async () => {
    const controller = new AbortController();
    const events: StatusEvent[] = [];
    // One frame, then silence: the next read never settles by itself.
    const input = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(FRAMES[0]!.slice());
      },
    });
    const packets: MediaPacket[] = [];
    const started = performance.now();
    for await (const packet of readableSource(input, {
      signal: controller.signal,
      onStatus: (e) => events.push(e),
    })) {
      packets.push(packet);
      setTimeout(() => controller.abort(), 20);
    }
    expect(performance.now() - started).toBeLessThan(1000);
    expect(packets).toHaveLength(1);
    expect(events.map((e) => e.state)).toEqual(['connecting', 'open', 'closed']);
    expect(events[2]!.error).toBeUndefined();
    expect(input.locked).toBe(false);
  });

  it('yields nothing when the signal is already aborted', async () => {
    const input = new PassThrough();
    input.end(STREAM);
    const { packets, error } = await drain(readableSource(input, { signal: AbortSignal.abort() }));
    expect(packets).toEqual([]);
    expect(error).toBeUndefined();
    expect(input.destroyed).toBe(false);
  });

  it('leaves a Node Readable it does not own open after an idle stop, so the next source resumes without losing a chunk (#10)', async () => {
    // process.stdin stands for this: stopping the camera must not destroy it.
    const input = new PassThrough();
    input.write(FRAMES[0]!);
    const first = new AbortController();
    const seen: MediaPacket[] = [];
    for await (const packet of readableSource(input, { name: 'stdin', signal: first.signal })) {
      seen.push(packet);
      setTimeout(() => first.abort(), 20); // the idle stop, with a read pending
    }
    expect(seen.map((p) => indexOfFrame(p.body))).toEqual([0]);
    expect(input.destroyed).toBe(false);

    input.write(FRAMES[1]!);
    // A read the stopped source left pending would take this chunk now, and a close destroy the input.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(input.destroyed).toBe(false);
    input.end(FRAMES[2]!);
    const { packets, error } = await drain(readableSource(input, { name: 'stdin' }));
    expect(packets.map((p) => indexOfFrame(p.body))).toEqual([1, 2]);
    expect((error as SourceError).code).toBe('INPUT_ENDED');
  });

  it('leaves a ReadableStream it does not own readable after a break, for the next source', async () => {
    // One frame per chunk, so a lost chunk would be a lost frame.
    const chunks = FRAMES.map((f) => f.slice());
    const input = new ReadableStream<Uint8Array>({
      pull(c) {
        const chunk = chunks.shift();
        if (chunk) c.enqueue(chunk);
        else c.close();
      },
    });
    for await (const _packet of readableSource(input)) break;
    expect(input.locked).toBe(false);
    const { packets, error } = await drain(readableSource(input));
    expect(packets.map((p) => indexOfFrame(p.body))).toEqual([1, 2]);
    expect((error as SourceError).code).toBe('INPUT_ENDED');
  });

  it('cancels a stream handed over with close: true when the iteration stops early', async () => {
    let cancelled = false;
    const input = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(FRAMES[0]!.slice());
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _packet of readableSource(input, { close: true })) break;
    expect(cancelled).toBe(true);
  });

  it('throws READ_FAILED naming the input when the stream errors, the cause kept', async () => {
    const failure = new Error('EIO');
    const input = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(FRAMES[0]!.slice());
      },
      pull(c) {
        c.error(failure);
      },
    });
    const { packets, error } = await drain(readableSource(input, { name: 'the pipe' }));
    expect(packets).toHaveLength(1);
    expect((error as SourceError).code).toBe('READ_FAILED');
    expect((error as SourceError).message).toContain('the pipe');
    expect((error as SourceError).cause).toBe(failure);
  });
});
