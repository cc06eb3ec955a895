import { describe, expect, it } from 'vitest';
import { untilAborted } from '../src/index.js';

describe('untilAborted', () => {
  it('gives the promise its value when the signal does not abort', async () => {
    await expect(untilAborted(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
  });

  it('gives the promise itself without a signal', async () => {
    const promise = Promise.resolve('x');
    expect(untilAborted(promise, undefined)).toBe(promise);
  });

  it('passes on a rejection that comes before the abort', async () => {
    await expect(
      untilAborted(Promise.reject(new Error('boom')), new AbortController().signal),
    ).rejects.toThrow('boom');
  });

  it('resolves undefined at once when the signal aborts while the promise is pending', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(new Promise<number>(() => {}), controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('resolves undefined for an already aborted signal and swallows the late rejection', async () => {
    let fail: (error: Error) => void = () => {};
    const promise = new Promise<number>((_, reject) => {
      fail = reject;
    });
    const result = await untilAborted(promise, AbortSignal.abort());
    fail(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(result).toBeUndefined();
  });
});
