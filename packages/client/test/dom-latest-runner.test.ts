import { describe, expect, it } from 'vitest';
import { LatestRunner } from '../src/dom/latest-runner.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LatestRunner', () => {
  it('runs at most one job and then only the newest item offered meanwhile', async () => {
    const started: number[] = [];
    const skipped: number[] = [];
    const gates = new Map<number, ReturnType<typeof deferred>>();
    let inFlight = 0;
    let maxInFlight = 0;
    const runner = new LatestRunner<number>(
      async (item) => {
        started.push(item);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const gate = deferred();
        gates.set(item, gate);
        await gate.promise;
        inFlight--;
      },
      (item) => skipped.push(item),
    );
    runner.offer(1);
    runner.offer(2);
    runner.offer(3);
    runner.offer(4);
    expect(started).toEqual([1]);
    expect(skipped).toEqual([2, 3]);
    gates.get(1)!.resolve();
    await tick();
    expect(started).toEqual([1, 4]);
    gates.get(4)!.resolve();
    await tick();
    expect(runner.busy).toBe(false);
    runner.offer(5);
    expect(started).toEqual([1, 4, 5]);
    expect(maxInFlight).toBe(1);
  });

  it('keeps going after a job rejects', async () => {
    const done: number[] = [];
    const runner = new LatestRunner<number>(
      async (item) => {
        if (item === 1) throw new Error('broken frame');
        done.push(item);
      },
      () => undefined,
    );
    runner.offer(1);
    runner.offer(2);
    await tick();
    expect(done).toEqual([2]);
  });

  it('skips the waiting item on clear() and refuses items after close()', async () => {
    const skipped: number[] = [];
    const gate = deferred();
    const ran: number[] = [];
    const runner = new LatestRunner<number>(
      async (item) => {
        ran.push(item);
        await gate.promise;
      },
      (item) => skipped.push(item),
    );
    runner.offer(1);
    runner.offer(2);
    runner.clear();
    expect(skipped).toEqual([2]);
    runner.close();
    runner.offer(3);
    expect(skipped).toEqual([2, 3]);
    gate.resolve();
    await tick();
    expect(ran).toEqual([1]);
  });
});
