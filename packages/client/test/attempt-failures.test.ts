import { describe, expect, it } from 'vitest';
import {
  connectTimeoutError,
  describeError,
  endedError,
  idleError,
  readFailureError,
  toStreamError,
} from '../src/attempt-failures.js';
import { StreamError } from '../src/errors.js';

describe('attempt failures', () => {
  const cause = new TypeError('Load failed');

  it.each([
    ['raw', 'UNSUPPORTED_BODY', /raw=1/],
    ['img', 'UNSUPPORTED_BODY', /<img>/],
    ['none', 'NETWORK', /reading the stream failed: Load failed/],
  ] as const)('maps a failed read with fallback %s to %s', (fallback, code, message) => {
    const error = readFailureError(fallback, cause);
    expect(error).toBeInstanceOf(StreamError);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.cause).toBe(cause);
  });

  it('names the timeouts and the end of the body', () => {
    expect(connectTimeoutError(250, cause)).toMatchObject({ code: 'CONNECT_TIMEOUT', cause });
    expect(connectTimeoutError(250, cause).message).toContain('250');
    expect(idleError(900)).toMatchObject({ code: 'IDLE_TIMEOUT', cause: undefined });
    expect(idleError(900, cause).message).toContain('900');
    expect(endedError().code).toBe('ENDED');
  });

  it('keeps a StreamError and wraps anything else as NETWORK', () => {
    const ended = endedError();
    expect(toStreamError(ended)).toBe(ended);
    expect(toStreamError(cause)).toMatchObject({ code: 'NETWORK', message: 'Load failed', cause });
    expect(toStreamError('gone')).toMatchObject({ code: 'NETWORK', message: 'gone' });
  });

  it("describes an error with its cause's message", () => {
    expect(describeError(new Error('fetch failed', { cause: new Error('ECONNREFUSED') }))).toBe(
      'fetch failed: ECONNREFUSED',
    );
    expect(describeError(42)).toBe('42');
  });
});
