import type { MediaPacket } from '@mjpeg-kit/bytes';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MjpegHub,
  type OpenSource,
  type RunSourceOptions,
  runSource,
  SourceEndedError,
  type SourceLifecycle,
  type SourceLogEvent,
  type SourceRun,
} from '../src/index.js';
import { watch } from './fake-socket.js';
import { audio, frame } from './helpers.js';

const hubs: MjpegHub[] = [];
const runs: SourceRun[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(runs.splice(0).map((run) => run.stop()));
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

function newHub(): MjpegHub {
  const hub = new MjpegHub({ sourceKind: 'test', repeatStillMs: 0 });
  hubs.push(hub);
  return hub;
}

/** A run with its log collected. */
function start(hub: MjpegHub, open: OpenSource, options: RunSourceOptions = {}) {
  const log: { line: string; event: SourceLogEvent }[] = [];
  const run = runSource(hub, open, {
    name: 'video source',
    log: (line, event) => log.push({ line, event }),
    ...options,
  });
  runs.push(run);
  return { run, log, events: () => log.map((entry) => entry.event.event) };
}

/** Polls until `check` holds, at most `timeoutMs`. */
async function until(check: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * An opener whose runs are recorded: each run yields `frames` frames as fast as it may, then
 * does what `after` says (wait for the abort, end, or throw).
 */
function recordingOpener(frames: number, after: 'wait' | 'end' | (() => never)) {
  const lifecycles: SourceLifecycle[] = [];
  const open: OpenSource = (lifecycle) => {
    lifecycles.push(lifecycle);
    return (async function* () {
      for (let i = 0; i < frames; i++) yield frame(0x20 + i);
      if (after === 'wait') {
        await new Promise((resolve) => lifecycle.signal.addEventListener('abort', resolve, { once: true }));
      } else if (after !== 'end') {
        after();
      }
    })();
  };
  return { open, lifecycles };
}

describe('runSource: running and restarting', () => {
  it('publishes what the source yields and reports it online in /state (#10)', async () => {
    const hub = newHub();
    const { open } = recordingOpener(3, 'wait');
    const { run } = start(hub, open);
    await until(() => hub.stats.framesPublished === 3);
    expect(hub.getState().source).toEqual({ kind: 'test', online: true });
    expect(run.running).toBe(true);
    expect(run.health).toMatchObject({ state: 'online', online: true, restarts: 0, packets: 3 });
    expect(run.health.lastPacketAt).toBeGreaterThan(0);
  });

  it('restarts a failing source after an exponential backoff with jitter, reset once it delivers (#10)', async () => {
    const hub = newHub();
    let runsSoFar = 0;
    const open: OpenSource = () => {
      runsSoFar++;
      const delivers = runsSoFar === 5; // the 5th run delivers one frame, then fails again
      return (async function* () {
        if (delivers) yield frame(0x30);
        throw new Error(`broken pipe ${runsSoFar}`);
      })();
    };
    const { run, log } = start(hub, open, { minDelayMs: 10, maxDelayMs: 40 });
    await until(
      () => log.filter((entry) => entry.event.event === 'restart').length >= 6,
      5000,
      'six restarts',
    );
    const delays = log
      .filter((entry) => entry.event.event === 'restart')
      .map((entry) => entry.event.delayMs!);
    // Steps 10, 20, 40, 40 (capped), each jittered into its upper half and never under 10;
    // then the delivering run resets the count: 10 again, then 20.
    const bounds = [
      [10, 10],
      [10, 20],
      [20, 40],
      [20, 40],
      [10, 10],
      [10, 20],
    ];
    bounds.forEach(([low, high], i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(low!);
      expect(delays[i]).toBeLessThanOrEqual(high!);
    });
    expect(log[0]!.line).toMatch(/^video source stopped: broken pipe 1; restarting in 10 ms$/);
    expect(log[0]!.event).toMatchObject({ level: 'warn', name: 'video source', error: 'broken pipe 1' });
    expect(run.health.restarts).toBeGreaterThanOrEqual(6);
    expect(hub.getState().source.online).toBe(false);
    expect(hub.getState().source.error).toMatch(/^broken pipe \d+$/);
  });

  it('restarts a source that ends by itself, as a failure (#10)', async () => {
    const hub = newHub();
    const { open, lifecycles } = recordingOpener(1, 'end');
    const { log } = start(hub, open, { minDelayMs: 5, maxDelayMs: 5 });
    await until(() => lifecycles.length >= 3, 2000, 'three runs');
    expect(log.find((entry) => entry.event.event === 'restart')!.line).toMatch(
      /stopped: the source ended; restarting in 5 ms/,
    );
  });

  it('adds no delay of its own to a source that reconnects by itself, and ends when it gives up (#10)', async () => {
    const hub = newHub();
    let opens = 0;
    let reconnected: () => void = () => {};
    const open: OpenSource = ({ onStatus }) => {
      opens++;
      return (async function* () {
        onStatus({ state: 'open' });
        yield frame(0x40);
        // Its own loop: it lost the camera and says when it retries.
        onStatus({ state: 'reconnecting', attempt: 1, delayMs: 123, error: new Error('connection reset') });
        await new Promise<void>((resolve) => {
          reconnected = resolve;
        });
        onStatus({ state: 'open' });
        yield frame(0x41);
        throw new Error('gave up after 3 attempts');
      })();
    };
    const { run, log, events } = start(hub, open, { reconnects: true, minDelayMs: 1, maxDelayMs: 1 });
    await until(() => run.health.state === 'retrying', 2000, 'the reconnect');
    expect(hub.getState().source).toEqual({ kind: 'test', online: false, error: 'connection reset' });
    expect(log.find((entry) => entry.event.event === 'lost')!.line).toBe(
      'video source lost: connection reset; retrying in 123 ms',
    );
    expect(run.health.restarts).toBe(1);
    reconnected();
    await until(() => run.health.state === 'ended', 2000, 'the end');
    expect(opens).toBe(1);
    expect(events()).not.toContain('restart');
    expect(run.running).toBe(false);
    expect(hub.getState().source).toEqual({ kind: 'test', online: false, error: 'gave up after 3 attempts' });
    expect(hub.stats.framesPublished).toBe(2);
  });
});

describe('runSource: terminal ends', () => {
  it('stops for good on SourceEndedError: offline with the reason, no restart, the hub serving on (#9)', async () => {
    const hub = newHub();
    const viewer = watch(hub);
    const { open, lifecycles } = recordingOpener(2, () => {
      throw new SourceEndedError('standard input ended');
    });
    const { run, log } = start(hub, open, { minDelayMs: 1, maxDelayMs: 1 });
    await until(() => run.health.state === 'ended', 2000, 'the end');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lifecycles).toHaveLength(1);
    expect(run.running).toBe(false);
    expect(hub.getState().source).toEqual({ kind: 'test', online: false, error: 'standard input ended' });
    expect(log.map((entry) => entry.line)).toEqual([
      'video source open',
      'video source ended: standard input ended; not restarting',
    ]);
    // Viewers stay, and the last frame is still the snapshot.
    expect(viewer.socket.destroyed).toBe(false);
    expect(hub.viewerCount).toBe(1);
    expect((await hub.waitForFrame(60_000, 0))?.body[60]).toBe(0x21);
  });

  it("takes an error coded INPUT_ENDED (readableSource's end of input) as terminal (#9)", async () => {
    const hub = newHub();
    const { open, lifecycles } = recordingOpener(1, () => {
      throw Object.assign(new Error('stdin ended after 1 frames'), { code: 'INPUT_ENDED' });
    });
    const { run } = start(hub, open, { minDelayMs: 1, maxDelayMs: 1 });
    await until(() => run.health.state === 'ended', 2000, 'the end');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(lifecycles).toHaveLength(1);
    expect(hub.getState().source.error).toBe('stdin ended after 1 frames');
  });

  it('does not restart an idle-stop source that ended for good when a viewer comes (#9)', async () => {
    const hub = newHub();
    const { open, lifecycles } = recordingOpener(1, () => {
      throw new SourceEndedError('standard input ended');
    });
    const first = watch(hub);
    const { run } = start(hub, open, { idleStopMs: 10 });
    await until(() => run.health.state === 'ended', 2000, 'the end');
    first.leave();
    await until(() => !hub.active);
    watch(hub);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lifecycles).toHaveLength(1);
    expect(run.health.state).toBe('ended');
  });
});

describe('runSource: idle stop', () => {
  it('starts for the first viewer and stops idleStopMs after the last leaves, again and again (#10)', async () => {
    const hub = newHub();
    const { open, lifecycles } = recordingOpener(1, 'wait');
    const { run, log } = start(hub, open, { idleStopMs: 40 });
    expect(run.running).toBe(false);
    expect(run.health.state).toBe('idle');
    expect(hub.getState().source).toEqual({ kind: 'test', online: false, error: 'waiting for a viewer' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(lifecycles).toHaveLength(0);

    const a = watch(hub);
    const b = watch(hub);
    await until(() => hub.getState().source.online, 2000, 'online');
    expect(lifecycles).toHaveLength(1);
    a.leave();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(lifecycles[0]!.signal.aborted).toBe(false); // one viewer is still there
    b.leave();
    await until(() => lifecycles[0]!.signal.aborted, 2000, 'the idle stop');
    await until(() => run.health.state === 'idle');
    expect(hub.getState().source).toEqual({ kind: 'test', online: false, error: 'stopped while idle' });

    // A viewer that comes back within idleStopMs keeps it running.
    const c = watch(hub);
    await until(() => hub.getState().source.online, 2000, 'online again');
    c.leave();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const d = watch(hub);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(lifecycles).toHaveLength(2);
    expect(lifecycles[1]!.signal.aborted).toBe(false);
    d.leave();
    await until(() => lifecycles[1]!.signal.aborted, 2000, 'the second idle stop');
    expect(log.map((entry) => entry.line)).toEqual([
      'a viewer came: starting video source',
      'video source open',
      'no viewers for 0.04 s: stopping video source',
      'a viewer came: starting video source',
      'video source open',
      'no viewers for 0.04 s: stopping video source',
    ]);
  });

  it('counts a snapshot wait as a viewer: the source starts for it (#10)', async () => {
    const hub = newHub();
    const { open, lifecycles } = recordingOpener(1, 'wait');
    start(hub, open, { idleStopMs: 20 });
    const snapshot = await hub.waitForFrame(0, 2000);
    expect(snapshot?.body[60]).toBe(0x20);
    expect(lifecycles).toHaveLength(1);
    await until(() => lifecycles[0]!.signal.aborted, 2000, 'the idle stop');
  });

  it('counts a wait for the first audio as a viewer: an audio source starts for it (#10)', async () => {
    const hub = newHub();
    let opens = 0;
    const open: OpenSource = ({ signal }) => {
      opens++;
      return (async function* () {
        yield audio(Date.now());
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      })();
    };
    start(hub, open, { name: 'audio source', reportState: false, idleStopMs: 20 });
    expect(hub.hasAudio).toBe(false);
    expect(await hub.waitForAudio(2000)).toBe(true);
    expect(opens).toBe(1);
  });

  it('starts at once when the hub already has a viewer', async () => {
    const hub = newHub();
    watch(hub);
    const { open, lifecycles } = recordingOpener(1, 'wait');
    const { run } = start(hub, open, { idleStopMs: 20 });
    expect(run.running).toBe(true);
    await until(() => lifecycles.length === 1);
  });
});

describe('runSource: stopping', () => {
  it('stops when the hub closes, leaving no timer, listener or restart behind (#9)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const hub = new MjpegHub({ repeatStillMs: 0 });
    const { open, lifecycles } = recordingOpener(1, 'wait');
    const viewer = watch(hub);
    const { run } = start(hub, open, { idleStopMs: 1000 });
    await vi.waitFor(() => expect(lifecycles).toHaveLength(1));
    viewer.leave();
    await vi.waitFor(() => expect(hub.active).toBe(false));
    expect(vi.getTimerCount()).toBeGreaterThan(0); // the idle-stop timer is armed

    await hub.close();
    await run.stop();
    expect(lifecycles[0]!.signal.aborted).toBe(true);
    expect(run.running).toBe(false);
    expect(run.health.state).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
    expect(hub.eventNames()).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(lifecycles).toHaveLength(1);
  });

  it('stop() ends a run whose source ignores the abort after stopTimeoutMs, and warns (#10)', async () => {
    const hub = newHub();
    const open: OpenSource = () => ({
      [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<MediaPacket>>(() => {}) }),
    });
    const { run, log } = start(hub, open, { stopTimeoutMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const startedAt = Date.now();
    await run.stop();
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(log.at(-1)!.event).toMatchObject({ event: 'stuck', level: 'warn' });
    expect(run.health.state).toBe('stopped');
  });

  it('stop() returns at once for a source that honours the abort, and aborts it', async () => {
    const hub = newHub();
    const { open, lifecycles } = recordingOpener(1, 'wait');
    const { run, log } = start(hub, open, { stopTimeoutMs: 60_000 });
    await until(() => lifecycles.length === 1 && run.health.online);
    const startedAt = Date.now();
    await Promise.all([run.stop(), run.stop()]);
    expect(Date.now() - startedAt).toBeLessThan(500);
    expect(lifecycles[0]!.signal.aborted).toBe(true);
    expect(log.map((entry) => entry.event.event)).not.toContain('stuck');
    expect(hub.getState().source.online).toBe(false);
  });

  it('stops when its signal aborts', async () => {
    const hub = newHub();
    const controller = new AbortController();
    const { open, lifecycles } = recordingOpener(1, 'wait');
    const { run } = start(hub, open, { signal: controller.signal });
    await until(() => lifecycles.length === 1);
    controller.abort();
    await until(() => run.health.state === 'stopped');
    expect(lifecycles[0]!.signal.aborted).toBe(true);
  });

  it('waits for an async opener, and closes what it opens after an abort', async () => {
    const hub = newHub();
    let closed = false;
    let resolveOpen: (iterable: AsyncIterable<MediaPacket>) => void = () => {};
    const open: OpenSource = () =>
      new Promise((resolve) => {
        resolveOpen = resolve;
      });
    const { run } = start(hub, open);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await run.stop();
    resolveOpen({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.resolve({ done: false, value: frame(1) }),
        return: () => {
          closed = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(hub.stats.framesPublished).toBe(0);
    expect(closed).toBe(true);
  });
});

describe('runSource: reporting', () => {
  it('leaves /state alone with reportState: false (a second source of one hub)', async () => {
    const hub = newHub();
    hub.setSourceState({ online: true });
    const { open } = recordingOpener(0, () => {
      throw new Error('no microphone');
    });
    const { log } = start(hub, open, {
      name: 'audio source',
      reportState: false,
      minDelayMs: 5,
      maxDelayMs: 5,
    });
    await until(() => log.length > 0);
    expect(hub.getState().source).toEqual({ kind: 'test', online: true });
    expect(log[0]!.line).toMatch(/^audio source stopped: no microphone; restarting in 5 ms$/);
  });

  it('keeps running when the log callback throws', async () => {
    const hub = newHub();
    const { open } = recordingOpener(2, 'wait');
    const run = runSource(hub, open, {
      log: () => {
        throw new Error('log sink down');
      },
    });
    runs.push(run);
    await until(() => hub.stats.framesPublished === 2);
    expect(run.health.state).toBe('online');
  });

  it.each([
    ['idleStopMs', { idleStopMs: Number.POSITIVE_INFINITY }],
    ['idleStopMs', { idleStopMs: -1 }],
    ['minDelayMs', { minDelayMs: Number.NaN }],
    ['stopTimeoutMs', { stopTimeoutMs: -5 }],
    ['reconnects', { reconnects: 'yes' as unknown as boolean }],
    ['name', { name: '' }],
    ['log', { log: 'console' as unknown as RunSourceOptions['log'] }],
  ])('refuses a bad %s with INVALID_OPTION naming it', (option, options) => {
    const hub = newHub();
    expect(() => runSource(hub, () => (async function* () {})(), options)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', option }),
    );
  });

  it('refuses a closed hub with HUB_CLOSED', async () => {
    const hub = newHub();
    await hub.close();
    expect(() => runSource(hub, () => (async function* () {})())).toThrow(
      expect.objectContaining({ code: 'HUB_CLOSED' }),
    );
  });
});
