import { describe, expect, it } from 'vitest';
import { openStream } from '../src/index.js';
import { bytes, FRAMES } from './helpers/media.js';
import { delay, take } from './helpers/stream.js';

const [F1] = FRAMES as [Uint8Array];
const frameBytes = bytes(
  `--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${F1.length}\r\n\r\n`,
  F1,
  '\r\n--b\r\n',
);

/**
 * A fetch double whose body is a stream this test owns, so it can check what the client did
 * to it: cancelled, lock released, request signal aborted.
 */
function ownedBody(script: (controller: ReadableStreamDefaultController<Uint8Array>) => void) {
  const seen = {
    cancelled: false,
    body: undefined as ReadableStream<Uint8Array> | undefined,
    signal: undefined as AbortSignal | undefined,
  };
  const fetchDouble: typeof fetch = async (_input, init) => {
    seen.signal = init?.signal ?? undefined;
    seen.body = new ReadableStream<Uint8Array>({
      start: script,
      cancel() {
        seen.cancelled = true;
      },
    });
    const headers = new Headers({ 'content-type': 'multipart/x-mixed-replace;boundary=b' });
    return {
      ok: true,
      status: 200,
      statusText: 'OK',
      url: 'http://camera/',
      headers,
      body: seen.body,
    } as Response;
  };
  return { seen, fetchDouble };
}

function expectReleased(seen: ReturnType<typeof ownedBody>['seen']) {
  expect(seen.cancelled).toBe(true);
  expect(seen.body!.locked).toBe(false);
  expect(seen.signal!.aborted).toBe(true);
}

describe('the body reader is cancelled and released on every exit path', () => {
  it('when the consumer breaks out of the loop', async () => {
    const { seen, fetchDouble } = ownedBody((controller) =>
      controller.enqueue(bytes(frameBytes, frameBytes)),
    );
    expect(await take(openStream('http://camera/', { fetch: fetchDouble }), 1)).toHaveLength(1);
    expectReleased(seen);
  });

  it('when the consumer throws', async () => {
    const { seen, fetchDouble } = ownedBody((controller) => controller.enqueue(frameBytes));
    const error = await (async () => {
      for await (const _ of openStream('http://camera/', { fetch: fetchDouble }))
        throw new Error('consumer bug');
    })().catch((e: Error) => e);
    expect(error).toMatchObject({ message: 'consumer bug' });
    expectReleased(seen);
  });

  it('when the signal aborts during a pending read', async () => {
    const controller = new AbortController();
    const { seen, fetchDouble } = ownedBody((body) => body.enqueue(frameBytes));
    const stream = openStream('http://camera/', { fetch: fetchDouble, signal: controller.signal });
    const done = (async () => {
      let count = 0;
      for await (const _ of stream) count++;
      return count;
    })();
    await delay(30);
    controller.abort();
    expect(await done).toBe(1);
    expectReleased(seen);
  });

  it('at once when the signal aborts during a read the body never answers, not at the idle timeout (#10)', async () => {
    const controller = new AbortController();
    const { seen, fetchDouble } = ownedBody((body) => body.enqueue(frameBytes)); // then silence
    const stream = openStream('http://camera/', { fetch: fetchDouble, signal: controller.signal });
    const done = (async () => {
      for await (const _ of stream);
      return 'ended';
    })();
    await delay(30);
    controller.abort();
    // The fetch double ignores the request's signal: only the reader's own abort can end the read.
    expect(await Promise.race([done, delay(2000).then(() => 'still reading')])).toBe('ended');
    expectReleased(seen);
  });

  it('when the idle timeout fires', async () => {
    const { seen, fetchDouble } = ownedBody(() => {}); // never a byte
    const error = await take(
      openStream('http://camera/', { fetch: fetchDouble, reconnect: false, idleTimeoutMs: 50 }),
      1,
    ).catch((e) => e);
    expect(error).toMatchObject({ code: 'IDLE_TIMEOUT' });
    expectReleased(seen);
  });

  it('when the body errors', async () => {
    const { seen, fetchDouble } = ownedBody((controller) => {
      controller.enqueue(frameBytes);
      setTimeout(() => controller.error(new TypeError('network reset')), 10);
    });
    const error = await take(openStream('http://camera/', { fetch: fetchDouble, reconnect: false }), 5).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: 'NETWORK' });
    expect(seen.body!.locked).toBe(false);
    expect(seen.signal!.aborted).toBe(true);
  });
});
