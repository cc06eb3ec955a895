import { describe, expect, it } from 'vitest';
import { getBoundary, MultipartError } from '../src/index.js';

describe('getBoundary (RFC 2045 §5.1 parameters, RFC 2046 §5.1.1 boundaries)', () => {
  it.each([
    ['multipart/x-mixed-replace; boundary=frame', 'frame'],
    ['multipart/x-mixed-replace;boundary=--myboundary', '--myboundary'],
    ['multipart/mixed; boundary="simple boundary"', 'simple boundary'],
    ['Multipart/X-Mixed-Replace; BOUNDARY=Frame', 'Frame'],
    ['multipart/x-mixed-replace ; charset=utf-8 ; boundary = abc ; foo=bar', 'abc'],
    ['multipart/related; type="text/html"; boundary="a;b=c"', 'a;b=c'],
    ['multipart/mixed; boundary="quoted\\"pair"', 'quoted"pair'],
    ['multipart/mixed; title="x; boundary=wrong"; boundary=right', 'right'],
    ['multipart/x-mixed-replace; boundary=--video boundary--', '--video boundary--'],
    ['multipart/x-mixed-replace; boundary=ThisRandomString  ', 'ThisRandomString'],
    [
      'multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW',
      '----WebKitFormBoundary7MA4YWxkTrZu0gW',
    ],
    ['multipart/x-mixed-replace; boundary=a; boundary=b', 'a'],
    ["multipart/mixed; boundary=gc0p4Jq0M2Yt08j34c0p'()+_,-./:=?", "gc0p4Jq0M2Yt08j34c0p'()+_,-./:=?"],
    ['multipart/x-mixed-replace;flag;boundary=x', 'x'],
  ])('%s → %s', (contentType, boundary) => {
    expect(getBoundary(contentType)).toBe(boundary);
  });

  it.each([
    ['image/jpeg', 'NO_BOUNDARY'],
    ['text/plain; boundary=x', 'NO_BOUNDARY'],
    ['multipart/x-mixed-replace', 'NO_BOUNDARY'],
    ['multipart/x-mixed-replace; charset=utf-8', 'NO_BOUNDARY'],
    ['multipart/; boundary=x', 'NO_BOUNDARY'],
    ['', 'NO_BOUNDARY'],
    ['multipart/mixed; boundary=', 'BAD_BOUNDARY'],
    ['multipart/mixed; boundary=""', 'BAD_BOUNDARY'],
    [`multipart/mixed; boundary=${'x'.repeat(71)}`, 'BAD_BOUNDARY'],
    ['multipart/mixed; boundary="a\rb"', 'BAD_BOUNDARY'],
    ['multipart/mixed; boundary="a\nb"', 'BAD_BOUNDARY'],
    ['multipart/mixed; boundary="trailing "', 'BAD_BOUNDARY'],
    ['multipart/mixed; boundary="caf\u00e9"', 'BAD_BOUNDARY'],
  ])('throws on %j with %s', (contentType, code) => {
    let caught: unknown;
    try {
      getBoundary(contentType);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MultipartError);
    expect((caught as MultipartError).code).toBe(code);
    expect((caught as MultipartError).name).toBe('MultipartError');
  });

  it('accepts a 70-character boundary', () => {
    expect(getBoundary(`multipart/mixed; boundary=${'x'.repeat(70)}`)).toHaveLength(70);
  });
});
