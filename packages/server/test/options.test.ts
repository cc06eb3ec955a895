import { describe, expect, it } from 'vitest';
import { MjpegHub, type MjpegHubOptions, ServerError } from '../src/index.js';

/** Runs `build` and returns the `ServerError` it throws. */
function thrown(build: () => unknown): ServerError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ServerError);
    return error as ServerError;
  }
  throw new Error('expected a ServerError, nothing was thrown');
}

describe('MjpegHub options (#9)', () => {
  it.each<[keyof MjpegHubOptions, unknown]>([
    ['stallTimeoutMs', Number.POSITIVE_INFINITY],
    ['repeatStillMs', Number.POSITIVE_INFINITY],
    ['closeTimeoutMs', Number.POSITIVE_INFINITY],
    ['keepaliveMs', Number.POSITIVE_INFINITY],
    ['audioBufferMs', Number.POSITIVE_INFINITY],
    ['maxViewers', Number.POSITIVE_INFINITY],
    ['stallTimeoutMs', 2 ** 31],
    ['stallTimeoutMs', Number.NaN],
    ['stallTimeoutMs', 0],
    ['maxViewers', -1],
    ['keepaliveMs', '15000'],
    ['boundary', 'bad"boundary'],
    ['boundary', 'x'.repeat(71)],
    ['dropSameFrames', 'yes'],
    ['sourceKind', ''],
    ['onActive', 'start'],
    ['signal', {}],
  ])('refuses %s = %s at construction with INVALID_OPTION naming it', (name, value) => {
    const error = thrown(() => new MjpegHub({ [name]: value } as MjpegHubOptions));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(name);
    expect(error.message).toContain(name);
  });

  it('accepts the largest delay a timer honours and the documented zeros', async () => {
    const hub = new MjpegHub({
      stallTimeoutMs: 2 ** 31 - 1,
      repeatStillMs: 0,
      keepaliveMs: 0,
      closeTimeoutMs: 0,
      maxViewers: 0,
    });
    expect(hub.stallTimeoutMs).toBe(2 ** 31 - 1);
    await hub.close();
  });
});
