import { describe, expect, it } from 'vitest';
import { ByteStreamError } from '../src/index.js';

class SampleError extends ByteStreamError<'BAD' | 'WORSE'> {
  override name = 'SampleError';
}

describe('ByteStreamError', () => {
  it('carries code and offset and says where in the message', () => {
    const error = new SampleError('BAD', 'chunk size has non-hex byte 0x67', 1043);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ByteStreamError);
    expect(error.name).toBe('SampleError');
    expect(error.code).toBe('BAD');
    expect(error.offset).toBe(1043);
    expect(error.message).toBe('chunk size has non-hex byte 0x67 at byte 1043');
  });

  it('leaves the message alone without an offset and keeps the cause', () => {
    const cause = new Error('EIO');
    const error = new SampleError('WORSE', 'link lost', undefined, { cause });
    expect(error.offset).toBeUndefined();
    expect(error.message).toBe('link lost');
    expect(error.cause).toBe(cause);
  });
});
