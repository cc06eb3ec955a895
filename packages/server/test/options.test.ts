import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMjpegHandler,
  type MjpegHandlerOptions,
  MjpegHub,
  type MjpegHubOptions,
  ServerError,
} from '../src/index.js';

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

describe('createMjpegHandler options (#9)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mjpeg-options-'));
  const file = join(dir, 'index.html');
  writeFileSync(file, '<!doctype html>');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hub = new MjpegHub();

  it.each<[keyof MjpegHandlerOptions, unknown]>([
    ['allowOrigin', 'https://a.example, https://b.example'],
    ['allowOrigin', 'https://player.example/'],
    ['allowOrigin', 'https://player.example\r\nSet-Cookie: x=1'],
    ['allowOrigin', 'player.example'],
    ['allowOrigin', 'https://plàyer.example'],
    ['allowOrigin', ''],
    ['realm', 'my "cam"'],
    ['realm', 'line\nbreak'],
    ['realm', 'caméra'],
    ['serverName', 'x\r\ny'],
    ['serverName', ''],
    ['key', ''],
    ['key', 42],
    ['auth', 'no-colon'],
    ['auth', { username: 'a:b', password: 'x' }],
    ['auth', { username: 'a' }],
    ['snapshotTimeoutMs', Number.POSITIVE_INFINITY],
    ['snapshotTimeoutMs', -1],
    ['snapshotTimeoutMs', Number.NaN],
    ['snapshotMaxDelayMs', 3_600_001],
    ['audioTimeoutMs', Number.POSITIVE_INFINITY],
    ['webRoot', join(dir, 'missing')],
    ['webRoot', file],
    ['webRoot', ''],
    ['fallbackPage', 'no'],
    ['audio', 1],
    ['log', 'console'],
  ])('refuses %s = %o at construction with INVALID_OPTION naming it', (name, value) => {
    const error = thrown(() => createMjpegHandler(hub, { [name]: value } as MjpegHandlerOptions));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(name);
    expect(error.message).toMatch(new RegExp(`^${name} `));
  });

  it('never echoes the auth secret in the error', () => {
    const error = thrown(() => createMjpegHandler(hub, { auth: 'hunter2-secret' }));
    expect(error.message).not.toContain('hunter2');
  });

  it.each<MjpegHandlerOptions>([
    { allowOrigin: '*' },
    { allowOrigin: 'https://player.example' },
    { allowOrigin: 'http://127.0.0.1:8080' },
    { allowOrigin: 'http://[::1]:8080' },
    { realm: 'Front door camera' },
    { realm: '' },
    { auth: 'admin:pa:ss' },
    { auth: { username: 'admin', password: '' } },
    { key: 'tok3n', webRoot: dir, snapshotTimeoutMs: 0, snapshotMaxDelayMs: 3_600_000 },
    { serverName: 'my-cam/1.0 (mjpeg-kit)' },
  ])('accepts %j', (options) => {
    expect(typeof createMjpegHandler(hub, options)).toBe('function');
  });
});
