import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MjpegHub } from '../src/index.js';
import { watch } from './fake-socket.js';
import { frame } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('MjpegHub.close()', () => {
  it('emits no idle, arms no timer and keeps no listener once closed, viewers and waits included (#9)', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const events: string[] = [];
    const hub = new MjpegHub({
      signal: controller.signal,
      onIdle: () => events.push('onIdle'),
      onActive: () => events.push('onActive'),
    });
    // What an idle-stop policy does: arm a timer when the hub goes idle.
    hub.on('idle', () => {
      events.push('idle');
      setTimeout(() => events.push('idle timer fired'), 10_000);
    });
    hub.on('active', () => events.push('active'));
    hub.on('close', () => events.push('close'));
    hub.on('viewer', () => {});
    hub.publish(frame(0x10, Date.now() - 10_000));
    watch(hub);
    watch(hub);
    const snapshot = hub.waitForFrame(0, 60_000);
    const firstAudio = hub.waitForAudio(60_000);
    expect(vi.getTimerCount()).toBeGreaterThan(0); // the tick and the two waits' timeouts

    await hub.close();
    expect((await snapshot)?.body[60]).toBe(0x10);
    expect(await firstAudio).toBe(false);
    expect(events).toEqual(['onActive', 'active', 'close']);
    expect(vi.getTimerCount()).toBe(0);
    expect(hub.eventNames()).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(hub.active).toBe(false);

    // Nothing more happens: late timers, aborts and calls are no-ops.
    vi.advanceTimersByTime(60_000);
    controller.abort();
    hub.publish(frame(0x11));
    expect(await hub.waitForFrame(0, 1000)).toBeDefined();
    expect(vi.getTimerCount()).toBe(0);
    expect(events).toEqual(['onActive', 'active', 'close']);
  });

  it('closes when its signal aborts, and emits close once however often it is closed', async () => {
    const controller = new AbortController();
    const hub = new MjpegHub({ signal: controller.signal });
    let closes = 0;
    hub.on('close', () => closes++);
    controller.abort();
    expect(hub.closed).toBe(true);
    await hub.close();
    await hub.close();
    expect(closes).toBe(1);
  });
});
