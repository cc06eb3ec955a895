import { describe, expect, it } from 'vitest';
import {
  bytesEqual,
  concatBytes,
  decodeLatin1,
  encodeAscii,
  escapeBytes,
  formatTimestamp,
  nowMs,
  PartHeaders,
  parseTimestamp,
} from '../src/index.js';

describe('concatBytes', () => {
  it('joins chunks into one exactly sized buffer', () => {
    const joined = concatBytes([new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])]);
    expect(Array.from(joined)).toEqual([1, 2, 3]);
    expect(joined.buffer.byteLength).toBe(3);
  });

  it('trusts a given total length', () => {
    expect(concatBytes([new Uint8Array([7])], 1)).toEqual(new Uint8Array([7]));
  });

  it('compares bytes', () => {
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});

describe('ASCII helpers', () => {
  it('decodes every byte value as one Latin-1 code unit', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = decodeLatin1(all);
    expect(text.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(text.charCodeAt(i)).toBe(i);
  });

  it('decodes a range of a large block', () => {
    const block = new Uint8Array(10_000).fill(0x41);
    block[9_000] = 0x42;
    expect(decodeLatin1(block, 8_999, 9_001)).toBe('AB');
  });

  it('encodes ASCII', () => {
    expect(Array.from(encodeAscii('--B\r\n'))).toEqual([0x2d, 0x2d, 0x42, 0x0d, 0x0a]);
  });

  it('escapes bytes for error messages and cuts after 16', () => {
    expect(escapeBytes(new Uint8Array([0x35, 0x0a, 0x0d, 0xff, 0x5c]))).toBe('5\\n\\r\\xff\\x5c');
    expect(escapeBytes(new Uint8Array(20).fill(0x61))).toBe(`${'a'.repeat(16)}…`);
    expect(escapeBytes(encodeAscii('xyz'), 1, 1)).toBe('y…');
  });
});

describe('PartHeaders', () => {
  it('looks names up in any case and keeps wire order and repeats', () => {
    const headers = new PartHeaders([
      ['Content-Type', 'image/jpeg'],
      ['content-length', '10'],
      ['Content-Length', '11'],
    ]);
    expect(headers.get('CONTENT-TYPE')).toBe('image/jpeg');
    expect(headers.get('Content-Length')).toBe('10');
    expect(headers.getAll('content-length')).toEqual(['10', '11']);
    expect(headers.get('X-Missing')).toBeNull();
    expect(headers.has('x-missing')).toBe(false);
    expect([...headers.entries()].map(([name]) => name)).toEqual([
      'Content-Type',
      'content-length',
      'Content-Length',
    ]);
    expect(headers.size).toBe(3);
  });

  it('accepts a record and odd names without throwing', () => {
    const headers = new PartHeaders({ 'X weird name': 'ok' });
    headers.append('Content-Size', '5');
    expect(headers.get('x weird name')).toBe('ok');
    expect([...headers]).toEqual([
      ['X weird name', 'ok'],
      ['Content-Size', '5'],
    ]);
  });
});

describe('timestamps', () => {
  it('formats X-Timestamp as seconds with 6 decimals and parses it back', () => {
    expect(formatTimestamp(1_700_000_000_123.456)).toBe('1700000000.123456');
    expect(parseTimestamp('1700000000.123456')).toBeCloseTo(1_700_000_000_123.456, 3);
    expect(parseTimestamp('nope')).toBeUndefined();
    expect(parseTimestamp(null)).toBeUndefined();
  });

  it('reads the clock in epoch milliseconds', () => {
    expect(Math.abs(nowMs() - Date.now())).toBeLessThan(1000);
  });
});
