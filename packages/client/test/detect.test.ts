import { describe, expect, it } from 'vitest';
import { detectBodyFormat, parseMediaType, SNIFF_MAX_BYTES } from '../src/detect.js';

const ascii = (text: string) => new TextEncoder().encode(text);
const jpegStart = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);

describe('detectBodyFormat', () => {
  it.each<[string, Uint8Array, string | undefined, unknown]>([
    ['bare JPEG bytes', jpegStart, undefined, { parser: 'jpeg-scan' }],
    [
      'JPEG bytes although the server declared multipart (headers stripped)',
      jpegStart,
      'b',
      { parser: 'jpeg-scan' },
    ],
    [
      'JPEG bytes after blank lines',
      new Uint8Array([13, 10, 0xff, 0xd8, 0xff]),
      'b',
      { parser: 'jpeg-scan' },
    ],
    [
      'a delimiter line without a declared boundary (ffmpeg)',
      ascii('--ffmpeg\r\nContent-type: image/jpeg\r\n'),
      undefined,
      { parser: 'multipart', boundary: 'ffmpeg' },
    ],
    [
      'an LF-only delimiter line',
      ascii('--frame\nContent-Type: image/jpeg\n'),
      undefined,
      { parser: 'multipart', boundary: 'frame' },
    ],
    [
      'the declared boundary',
      ascii('--myBOUNDARY\r\n'),
      'myBOUNDARY',
      { parser: 'multipart', boundary: 'myBOUNDARY' },
    ],
    [
      'a declared boundary with leading dashes, sent with two more',
      ascii('----myboundary\r\n'),
      '--myboundary',
      { parser: 'multipart', boundary: '--myboundary' },
    ],
    [
      'a declared boundary with leading dashes, sent without them',
      ascii('--myboundary\r\n'),
      '--myboundary',
      { parser: 'multipart', boundary: '--myboundary' },
    ],
    [
      'a delimiter line that differs from the declared boundary',
      ascii('--actual\r\n'),
      'declared',
      { parser: 'multipart', boundary: 'actual' },
    ],
    [
      'trailing whitespace after the delimiter',
      ascii('--b  \r\n'),
      undefined,
      { parser: 'multipart', boundary: 'b' },
    ],
    [
      'a first part without delimiter, boundary declared',
      ascii('Content-Type: image/jpeg\r\n\r\n'),
      'b',
      { parser: 'multipart', boundary: 'b' },
    ],
    [
      'headers without any boundary',
      ascii('Content-Type: image/jpeg\r\n\r\n'),
      undefined,
      { parser: 'jpeg-scan' },
    ],
    ['a dash line that is not a boundary', ascii('--\u0001\u0002\r\n'), undefined, { parser: 'jpeg-scan' }],
  ])('reads %s', (_, head, declared, expected) => {
    expect(detectBodyFormat(head, declared)).toEqual(expected);
  });

  it('waits for more bytes until it can tell', () => {
    expect(detectBodyFormat(new Uint8Array([]), undefined)).toBeUndefined();
    expect(detectBodyFormat(new Uint8Array([13, 10]), undefined)).toBeUndefined();
    expect(detectBodyFormat(new Uint8Array([0xff]), undefined)).toBeUndefined();
    expect(detectBodyFormat(ascii('--bound'), undefined)).toBeUndefined();
    expect(detectBodyFormat(ascii('--bound'), 'other')).toBeUndefined();
  });

  it('decides at the end of the body or after SNIFF_MAX_BYTES', () => {
    expect(detectBodyFormat(ascii('--bound'), undefined, true)).toEqual({
      parser: 'multipart',
      boundary: 'bound',
    });
    expect(detectBodyFormat(new Uint8Array([0xff]), 'b', true)).toEqual({
      parser: 'multipart',
      boundary: 'b',
    });
    expect(detectBodyFormat(new Uint8Array([]), undefined, true)).toEqual({ parser: 'jpeg-scan' });
    const longDashes = ascii(`--${'x'.repeat(SNIFF_MAX_BYTES)}`);
    expect(detectBodyFormat(longDashes, undefined)).toEqual({ parser: 'jpeg-scan' });
    const blanks = new Uint8Array(SNIFF_MAX_BYTES).fill(10);
    expect(detectBodyFormat(blanks, undefined)).toEqual({ parser: 'jpeg-scan' });
  });
});

describe('parseMediaType', () => {
  it('lower-cases the type and parameter names, unquotes values', () => {
    const { type, params } = parseMediaType('Audio/L16; Rate=16000 ;channels="2"');
    expect(type).toBe('audio/l16');
    expect(Object.fromEntries(params)).toEqual({ rate: '16000', channels: '2' });
  });

  it('never throws', () => {
    expect(parseMediaType(null)).toEqual({ type: '', params: new Map() });
    expect(parseMediaType(';;=;a=').params.get('a')).toBe('');
  });
});
