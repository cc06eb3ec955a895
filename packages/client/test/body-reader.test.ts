import { describe, expect, it } from 'vitest';
import { BodyReader } from '../src/body-reader.js';
import { delay } from './helpers/stream.js';

/** A body this test owns: chunks enqueued at start, closed unless `close` is false; records a cancel. */
function ownedBody(chunks: number[][], close = true) {
  const seen = { cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(Uint8Array.from(chunk));
      if (close) controller.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { body, seen };
}

describe('BodyReader', () => {
  it('returns each chunk, counts its bytes, then undefined at the end', async () => {
    const { body } = ownedBody([[1, 2, 3], [4]]);
    const reader = new BodyReader(body, new AbortController(), 1000);
    expect([...(await reader.read())!]).toEqual([1, 2, 3]);
    expect([...(await reader.read())!]).toEqual([4]);
    expect(await reader.read()).toBeUndefined();
    expect(reader.bytesReceived).toBe(4);
    expect(reader.timedOut).toBe(false);
    await reader.close();
  });

  it('aborts the request after idleTimeoutMs of silence, ending the pending read and cancelling the body', async () => {
    const { body, seen } = ownedBody([], false);
    const request = new AbortController();
    const reader = new BodyReader(body, request, 40);
    expect(await reader.read()).toBeUndefined();
    expect(reader.timedOut).toBe(true);
    expect(reader.idleTimeoutMs).toBe(40);
    expect(request.signal.aborted).toBe(true);
    expect(seen.cancelled).toBe(true);
    expect(body.locked).toBe(false);
    await reader.close();
  });

  it('ends a pending read at once when the request is aborted', async () => {
    const { body, seen } = ownedBody([], false);
    const request = new AbortController();
    const reader = new BodyReader(body, request, 10_000);
    const read = reader.read();
    await delay(10);
    request.abort();
    expect(await read).toBeUndefined();
    expect(reader.timedOut).toBe(false);
    expect(seen.cancelled).toBe(true);
    await reader.close();
  });

  it('rethrows a failed read as it is', async () => {
    const failure = new TypeError('Load failed');
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(failure);
      },
    });
    const reader = new BodyReader(body, new AbortController(), 1000);
    await expect(reader.read()).rejects.toBe(failure);
    expect(reader.timedOut).toBe(false);
    await reader.close();
    expect(body.locked).toBe(false);
  });

  it('close() cancels the body, releases its lock and stops the watchdog; twice is harmless', async () => {
    const { body, seen } = ownedBody([[1]], false);
    const request = new AbortController();
    const reader = new BodyReader(body, request, 20);
    await reader.read();
    await reader.close();
    await reader.close();
    expect(seen.cancelled).toBe(true);
    expect(body.locked).toBe(false);
    await delay(60);
    expect(request.signal.aborted).toBe(false);
  });

  it('close() cancels a body that was never read', async () => {
    const { body, seen } = ownedBody([[1]], false);
    const reader = new BodyReader(body, new AbortController(), 1000);
    await reader.close();
    expect(seen.cancelled).toBe(true);
  });
});
