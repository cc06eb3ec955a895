import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getSearchPath,
  hasBytesAt,
  indexOfByte,
  indexOfByteNotFollowedBy,
  indexOfBytes,
  indexOfBytesByFirstByte,
  partialMatchLength,
  setNativeSearch,
} from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Reference for indexOfByteNotFollowedBy: byte by byte, a skipped pair passed over whole. */
function naiveIndexOfByteNotFollowedBy(
  haystack: Uint8Array,
  byte: number,
  skip: Uint8Array,
  from: number,
): number {
  for (let i = from; i < haystack.length; i++) {
    if (haystack[i] !== byte) continue;
    if (i + 1 === haystack.length || skip[haystack[i + 1] as number] === 0) return i;
    i++;
  }
  return -1;
}

/** FF 00 stuffing and RST0–7: the pairs JPEG entropy-coded data may hold. */
const jpegSkip = new Uint8Array(256);
jpegSkip[0x00] = 1;
jpegSkip.fill(1, 0xd0, 0xd8);

/** Reference search: the obvious nested loop, no tricks. */
function naiveIndexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  if (needle.length === 0) return Math.min(from, haystack.length);
  for (let i = Math.max(0, from); i + needle.length <= haystack.length; i++) {
    let j = 0;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

afterEach(() => setNativeSearch(true));

describe.each(['native', 'js'] as const)('%s search path', (path) => {
  const usePath = () => setNativeSearch(path === 'native');

  it('is the path in use', () => {
    usePath();
    expect(getSearchPath()).toBe(path);
  });

  it.each([
    ['--B', '--B', 0, 0],
    ['xx\r\n--B\r\n', '\r\n--B', 0, 2],
    ['\r\n--A\r\n--B', '\r\n--B', 0, 5],
    ['\r\n--B\r\n--B', '\r\n--B', 1, 5],
    ['abc', 'abcd', 0, -1],
    ['aaab', 'aab', 0, 1],
    ['abc', '', 2, 2],
    ['abc', 'c', 3, -1],
  ])('finds %j in %j from %i at %i', (haystack, needle, from, expected) => {
    usePath();
    expect(indexOfBytes(bytes(haystack), bytes(needle), from)).toBe(expected);
  });

  it('finds single bytes and honours fromIndex', () => {
    usePath();
    const data = new Uint8Array([0xff, 0xd8, 0xff, 0xd9, 0xff]);
    expect(indexOfByte(data, 0xff)).toBe(0);
    expect(indexOfByte(data, 0xff, 1)).toBe(2);
    expect(indexOfByte(data, 0xff, 5)).toBe(-1);
    expect(indexOfByte(data, 0x00)).toBe(-1);
  });

  it('searches inside subarray views, not their backing buffer', () => {
    usePath();
    const backing = bytes('--B....--B');
    const view = backing.subarray(3, 8);
    expect(indexOfBytes(view, bytes('--B'))).toBe(-1);
    expect(indexOfByte(view, 0x2d)).toBe(4);
  });

  it('agrees with a naive search on random inputs, both strategies', () => {
    usePath();
    const small = fc.uint8Array({ maxLength: 64 }).map((a) => a.map((b) => b % 4));
    fc.assert(
      fc.property(small, small, fc.nat(70), (haystack, needle, from) => {
        const expected = naiveIndexOf(haystack, needle, from);
        expect(indexOfBytes(haystack, needle, from)).toBe(expected);
        expect(indexOfBytesByFirstByte(haystack, needle, from)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe.each(['native', 'js'] as const)('indexOfByteNotFollowedBy, %s path', (path) => {
  const usePath = () => setNativeSearch(path === 'native');

  it.each([
    ['FF D9 after stuffing and RST', [0x12, 0xff, 0x00, 0xff, 0xd3, 0xff, 0xd9], 0, 5],
    ['an FF with its code in the next buffer', [0x12, 0xff, 0x00, 0x34, 0xff], 0, 4],
    ['nothing but skipped pairs', [0xff, 0x00, 0xff, 0xd7, 0x01], 0, -1],
    ['a fill FF before a marker', [0xff, 0xff, 0xd9], 0, 0],
    ['the pair is passed over whole', [0xff, 0x00, 0xff, 0x00], 1, -1],
    ['from inside a pair', [0xff, 0x00, 0xff, 0xc4], 1, 2],
    ['from past the end', [0xff, 0xd9], 2, -1],
    ['from a negative index as from 0', [0xff, 0xd9, 0xff, 0xc4], -1, 0],
    ['an empty haystack', [], 0, -1],
  ])('finds %s', (_, haystack, from, expected) => {
    usePath();
    expect(indexOfByteNotFollowedBy(new Uint8Array(haystack), 0xff, jpegSkip, from)).toBe(expected);
  });

  it('searches inside subarray views, not their backing buffer', () => {
    usePath();
    const backing = new Uint8Array([0xff, 0xd9, 0x00, 0xff, 0x00, 0x01, 0xff, 0xd9]);
    expect(indexOfByteNotFollowedBy(backing.subarray(2, 7), 0xff, jpegSkip)).toBe(4);
  });

  it('agrees with a byte-by-byte search on random inputs', () => {
    usePath();
    const values = [0x00, 0x01, 0xd0, 0xd7, 0xd8, 0xd9, 0xff];
    const data = fc
      .uint8Array({ maxLength: 64 })
      .map((a) => a.map((b) => values[b % values.length] as number));
    fc.assert(
      fc.property(data, fc.nat(70), (haystack, from) => {
        const expected = naiveIndexOfByteNotFollowedBy(haystack, 0xff, jpegSkip, from);
        expect(indexOfByteNotFollowedBy(haystack, 0xff, jpegSkip, from)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('partialMatchLength', () => {
  it.each([
    ['data\r\n--', '\r\n--B', 4],
    ['data\r', '\r\n--B', 1],
    ['data', '\r\n--B', 0],
    ['\r\n--B', '\r\n--B', 0],
    ['--', '--B', 2],
  ])('holds back the end of %j that could start %j', (haystack, needle, expected) => {
    expect(partialMatchLength(bytes(haystack), bytes(needle))).toBe(expected);
  });

  it('never looks before fromIndex', () => {
    expect(partialMatchLength(bytes('\r\n-'), bytes('\r\n--B'), 1)).toBe(0);
  });
});

describe('hasBytesAt', () => {
  it('compares in bounds only', () => {
    const data = bytes('ab--B');
    expect(hasBytesAt(data, 2, bytes('--B'))).toBe(true);
    expect(hasBytesAt(data, 3, bytes('--B'))).toBe(false);
    expect(hasBytesAt(data, -1, bytes('a'))).toBe(false);
  });
});
