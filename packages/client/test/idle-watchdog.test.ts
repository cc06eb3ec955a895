import { describe, expect, it } from 'vitest';
import { IdleWatchdog } from '../src/idle-watchdog.js';
import { delay } from './helpers/stream.js';

/** A read that settles only when told to. */
function pendingRead() {
  let settle!: () => void;
  const promise = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { promise, settle };
}

describe('IdleWatchdog', () => {
  it('fires once when one read waits timeoutMs', async () => {
    let calls = 0;
    const watchdog = new IdleWatchdog(40, () => calls++);
    const read = pendingRead();
    const watched = watchdog.watch(() => read.promise);
    const deadline = Date.now() + 2000;
    while (calls === 0 && Date.now() < deadline) await delay(10);
    expect(calls).toBe(1);
    expect(watchdog.fired).toBe(true);
    read.settle();
    await watched;
    await delay(100);
    expect(calls).toBe(1);
    watchdog.stop();
  });

  it('does not count time between reads: a slow consumer is not a silent server', async () => {
    let calls = 0;
    const watchdog = new IdleWatchdog(30, () => calls++);
    for (let i = 0; i < 3; i++) {
      await watchdog.watch(async () => {});
      await delay(80); // the consumer takes far longer than timeoutMs between reads
    }
    expect(calls).toBe(0);
    expect(watchdog.fired).toBe(false);
    watchdog.stop();
  });

  it('restarts the wait with each read', async () => {
    let calls = 0;
    const watchdog = new IdleWatchdog(120, () => calls++);
    // Reads of 50 ms each: 250 ms of reading in all, never 120 ms in one read.
    for (let i = 0; i < 5; i++) await watchdog.watch(() => delay(50));
    expect(calls).toBe(0);
    watchdog.stop();
  });

  it('returns what the read resolves and rethrows what it rejects', async () => {
    const watchdog = new IdleWatchdog(1000, () => {});
    await expect(watchdog.watch(async () => 42)).resolves.toBe(42);
    await expect(watchdog.watch(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    watchdog.stop();
  });

  it('never fires after stop()', async () => {
    let calls = 0;
    const watchdog = new IdleWatchdog(20, () => calls++);
    const read = pendingRead();
    const watched = watchdog.watch(() => read.promise);
    watchdog.stop();
    await delay(80);
    expect(calls).toBe(0);
    read.settle();
    await watched;
  });
});
