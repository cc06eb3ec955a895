import { concatBytes, encodeAscii, type MediaPacket } from '@mjpeg-kit/bytes';
import { describe, expect, it, vi } from 'vitest';
import {
  BOUNDARY_LENGTH,
  createBoundary,
  EncoderError,
  formatBoundaryParameter,
  getPacketContentType,
  MultipartEncoder,
} from '../src/index.js';

const text = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);
const B = 'frame';

describe('createBoundary', () => {
  it('returns 32 letters and digits', () => {
    for (let i = 0; i < 50; i++) expect(createBoundary()).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(BOUNDARY_LENGTH).toBe(32);
  });

  it('returns a different boundary each call', () => {
    const seen = new Set(Array.from({ length: 200 }, () => createBoundary()));
    expect(seen.size).toBe(200);
  });

  it('draws from Web Crypto', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    try {
      createBoundary();
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('uses every letter and digit about equally often', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 500; i++)
      for (const char of createBoundary()) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 16000 draws over 62 symbols: about 258 each; a biased modulo would skew the first ones.
    for (const count of counts.values()) expect(count).toBeGreaterThan(150);
  });
});

describe('formatBoundaryParameter (RFC 2046 §5.1.1)', () => {
  it.each([
    ['frame', 'boundary=frame'],
    ['--myboundary', 'boundary=--myboundary'],
    ["a'b+c_d-e.f", "boundary=a'b+c_d-e.f"],
    ['a b', 'boundary="a b"'],
    ['x(y)z,/:=?', 'boundary="x(y)z,/:=?"'],
    ['a'.repeat(70), `boundary=${'a'.repeat(70)}`],
  ])('writes %j as %s', (boundary, parameter) => {
    expect(formatBoundaryParameter(boundary)).toBe(parameter);
  });

  it.each([
    ['an empty boundary', ''],
    ['71 characters', 'a'.repeat(71)],
    ['a trailing space', 'abc '],
    ['a quote', 'a"b'],
    ['a CR', 'a\rb'],
    ['a semicolon', 'a;b'],
    ['non-ASCII', 'caf\u00e9'],
  ])('throws INVALID_BOUNDARY for %s', (_name, boundary) => {
    expect(() => formatBoundaryParameter(boundary)).toThrow(
      expect.objectContaining({ code: 'INVALID_BOUNDARY', name: 'EncoderError' }),
    );
    expect(() => new MultipartEncoder({ boundary })).toThrow(EncoderError);
  });

  it('refuses a legacy option that is not a boolean with INVALID_OPTION naming it', () => {
    expect(() => new MultipartEncoder({ legacy: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ name: 'EncoderError', code: 'INVALID_OPTION', option: 'legacy' }),
    );
  });
});

describe('MultipartEncoder: bytes of a live part', () => {
  it('has the full Content-Type and the opening line', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    expect(encoder.boundary).toBe(B);
    expect(encoder.contentType).toBe('multipart/x-mixed-replace;boundary=frame');
    expect(text(encoder.opening)).toBe('--frame\r\n');
    expect(encoder.legacy).toBe(false);
    expect(encoder.partContentType).toBe('image/jpeg');
  });

  it('picks a random boundary by default', () => {
    const encoder = new MultipartEncoder();
    expect(encoder.boundary).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(encoder.contentType).toBe(`multipart/x-mixed-replace;boundary=${encoder.boundary}`);
    expect(new MultipartEncoder().boundary).not.toBe(encoder.boundary);
  });

  it('lays a part out as head, the same body, and the delimiter right after it', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const body = encodeAscii('JPEG');
    const part = encoder.encodePart(body);
    expect(part).toHaveLength(3);
    expect(text(part[0]!)).toBe('Content-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n');
    expect(part[1]).toBe(body);
    expect(text(part[2]!)).toBe('\r\n--frame\r\n');
  });

  it('writes X-Timestamp in seconds with 6 decimals and X-Frame-Seq', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const [head] = encoder.encodePart(new Uint8Array(10), { timestamp: 1_700_000_000_123.457, seq: 42 });
    expect(text(head!)).toBe(
      'Content-Type: image/jpeg\r\nContent-Length: 10\r\nX-Timestamp: 1700000000.123457\r\nX-Frame-Seq: 42\r\n\r\n',
    );
  });

  it('writes Content-Size after Content-Length in legacy mode', () => {
    const encoder = new MultipartEncoder({ boundary: B, legacy: true });
    const [head] = encoder.encodePart(new Uint8Array(25_992), { seq: 0 });
    expect(text(head!)).toBe(
      'Content-Type: image/jpeg\r\nContent-Length: 25992\r\nContent-Size: 25992\r\nX-Frame-Seq: 0\r\n\r\n',
    );
  });

  it('writes a given Content-Type and extra headers in order', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const [head] = encoder.encodePart(new Uint8Array(2), {
      contentType: 'audio/L16;rate=16000;channels=1',
      headers: [
        ['X-Source', 'cam 1'],
        ['X-Source', 'b\tc'],
      ],
    });
    expect(text(head!)).toBe(
      'Content-Type: audio/L16;rate=16000;channels=1\r\nContent-Length: 2\r\nX-Source: cam 1\r\nX-Source: b\tc\r\n\r\n',
    );
    const [recordHead] = encoder.encodePart(new Uint8Array(0), { headers: { 'X-A': '1', 'X-B': '\xe9' } });
    expect(text(recordHead!)).toBe(
      'Content-Type: image/jpeg\r\nContent-Length: 0\r\nX-A: 1\r\nX-B: \xe9\r\n\r\n',
    );
  });

  it('uses the partContentType option for parts that name none', () => {
    const encoder = new MultipartEncoder({ boundary: B, partContentType: 'image/png' });
    expect(text(encoder.encodePart(new Uint8Array(1))[0]!)).toMatch(/^Content-Type: image\/png\r\n/);
  });

  it('shares one tail array across parts and builds a new head per part', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const first = encoder.encodePart(new Uint8Array(3));
    const second = encoder.encodePart(new Uint8Array(3));
    expect(second[2]).toBe(first[2]);
    expect(second[0]).not.toBe(first[0]);
    expect(second[0]).toEqual(first[0]);
  });

  it('never rewrites a head handed out earlier, across slabs', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const heads = Array.from(
      { length: 1000 },
      (_, seq) => encoder.encodePart(new Uint8Array(seq), { seq })[0]!,
    );
    heads.forEach((head, seq) => {
      expect(text(head)).toBe(
        `Content-Type: image/jpeg\r\nContent-Length: ${seq}\r\nX-Frame-Seq: ${seq}\r\n\r\n`,
      );
    });
  });

  it('writes heads larger than a slab share', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const [head] = encoder.encodePart(new Uint8Array(1), { headers: { 'X-Big': 'v'.repeat(10_000) } });
    expect(head!.length).toBe(
      10_000 + 'Content-Type: image/jpeg\r\nContent-Length: 1\r\nX-Big: \r\n\r\n'.length,
    );
    expect(text(head!)).toMatch(/X-Big: v{10000}\r\n\r\n$/);
  });

  it('ends the stream with the close delimiter when final', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    expect(text(encoder.encodePart(new Uint8Array(1), {}, { final: true })[2]!)).toBe('\r\n--frame--\r\n');
  });

  it('quotes a boundary that is not a token in the Content-Type', () => {
    const encoder = new MultipartEncoder({ boundary: 'my frame' });
    expect(encoder.contentType).toBe('multipart/x-mixed-replace;boundary="my frame"');
    expect(text(encoder.opening)).toBe('--my frame\r\n');
  });
});

describe('MultipartEncoder: advance headers (ustreamer)', () => {
  it('opens with the first part head ahead, then sends each next head after the delimiter', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    expect(text(encoder.advanceOpening(1_700_000_000_000))).toBe(
      '--frame\r\nContent-Type: image/jpeg\r\nX-Timestamp: 1700000000.000000\r\n\r\n',
    );
    const body = encodeAscii('JPEG');
    const part = encoder.encodePart(
      body,
      { seq: 3 },
      { advanceHeaders: true, advanceTimestamp: 1_700_000_000_040 },
    );
    expect(part[0]!.length).toBe(0);
    expect(part[1]).toBe(body);
    expect(text(part[2]!)).toBe(
      '\r\n--frame\r\nContent-Type: image/jpeg\r\nX-Timestamp: 1700000000.040000\r\n\r\n',
    );
  });

  it('stamps advance headers with the encoding time by default', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const before = Date.now() / 1000;
    const tail = text(encoder.encodePart(new Uint8Array(1), {}, { advanceHeaders: true })[2]!);
    const opening = text(encoder.advanceOpening());
    const after = Date.now() / 1000;
    for (const bytes of [tail, opening]) {
      const seconds = Number(/X-Timestamp: (\d+\.\d{6})\r\n\r\n$/.exec(bytes)?.[1]);
      expect(seconds).toBeGreaterThanOrEqual(before - 1);
      expect(seconds).toBeLessThanOrEqual(after + 1);
    }
  });

  it('announces the partContentType and refuses a part of another type', () => {
    const encoder = new MultipartEncoder({ boundary: B, partContentType: 'image/png' });
    expect(text(encoder.advanceOpening(0))).toContain('Content-Type: image/png\r\n');
    expect(() =>
      encoder.encodePart(new Uint8Array(1), { contentType: 'image/jpeg' }, { advanceHeaders: true }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_FIELD' }));
  });

  it('closes without advance headers when final', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const part = encoder.encodePart(new Uint8Array(1), {}, { advanceHeaders: true, final: true });
    expect(text(part[2]!)).toBe('\r\n--frame--\r\n');
  });

  it('gives a stream the plain splitter reads as parts without Content-Length', () => {
    const encoder = new MultipartEncoder({ boundary: B });
    const stream = concatBytes([
      encoder.advanceOpening(1000),
      ...encoder.encodePart(encodeAscii('one'), {}, { advanceHeaders: true, advanceTimestamp: 2000 }),
      ...encoder.encodePart(encodeAscii('two'), {}, { advanceHeaders: true, final: true }),
    ]);
    expect(text(stream)).toBe(
      '--frame\r\nContent-Type: image/jpeg\r\nX-Timestamp: 1.000000\r\n\r\none' +
        '\r\n--frame\r\nContent-Type: image/jpeg\r\nX-Timestamp: 2.000000\r\n\r\ntwo\r\n--frame--\r\n',
    );
  });
});

describe('MultipartEncoder: refused input', () => {
  const encoder = new MultipartEncoder({ boundary: B });
  const body = new Uint8Array(1);

  it.each([
    ['a name with a space', { 'X A': 'b' }, 'INVALID_HEADER_NAME'],
    ['an empty name', { '': 'b' }, 'INVALID_HEADER_NAME'],
    ['a name with CRLF (injection)', { 'X\r\nInjected': 'b' }, 'INVALID_HEADER_NAME'],
    ['a name with a colon', { 'X:': 'b' }, 'INVALID_HEADER_NAME'],
    ['a value with CRLF (injection)', { X: 'a\r\n\r\nfake body' }, 'INVALID_HEADER_VALUE'],
    ['a value with a bare LF', { X: 'a\nb' }, 'INVALID_HEADER_VALUE'],
    ['a value with a bare CR', { X: 'a\rb' }, 'INVALID_HEADER_VALUE'],
    ['a value with NUL', { X: '\0' }, 'INVALID_HEADER_VALUE'],
    ['a value with DEL', { X: '\x7f' }, 'INVALID_HEADER_VALUE'],
    ['a value above U+00FF', { X: '\u2603' }, 'INVALID_HEADER_VALUE'],
    ['Content-Length among the extras', { 'content-length': '1' }, 'RESERVED_HEADER'],
    ['Content-Type among the extras', { 'Content-Type': 'text/plain' }, 'RESERVED_HEADER'],
    ['Content-Size among the extras', { 'CONTENT-SIZE': '1' }, 'RESERVED_HEADER'],
    ['X-Timestamp among the extras', { 'X-Timestamp': '1' }, 'RESERVED_HEADER'],
    ['X-Frame-Seq among the extras', { 'x-frame-seq': '1' }, 'RESERVED_HEADER'],
  ])('throws for %s', (_name, headers, code) => {
    expect(() => encoder.encodePart(body, { headers })).toThrow(expect.objectContaining({ code }));
  });

  it.each([
    ['a Content-Type with CRLF', { contentType: 'image/jpeg\r\nX: y' }, 'INVALID_HEADER_VALUE'],
    ['an empty Content-Type', { contentType: '' }, 'INVALID_HEADER_VALUE'],
    ['a negative seq', { seq: -1 }, 'INVALID_FIELD'],
    ['a fractional seq', { seq: 1.5 }, 'INVALID_FIELD'],
    ['a NaN timestamp', { timestamp: Number.NaN }, 'INVALID_FIELD'],
    ['a negative timestamp', { timestamp: -1 }, 'INVALID_FIELD'],
    ['an infinite timestamp', { timestamp: Number.POSITIVE_INFINITY }, 'INVALID_FIELD'],
  ])('throws for %s', (_name, fields, code) => {
    expect(() => encoder.encodePart(body, fields)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a bad partContentType and advance timestamp', () => {
    expect(() => new MultipartEncoder({ partContentType: 'a\nb' })).toThrow(
      expect.objectContaining({ code: 'INVALID_HEADER_VALUE' }),
    );
    expect(() => encoder.advanceOpening(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'INVALID_FIELD' }),
    );
  });
});

describe('MultipartEncoder.encodePacket', () => {
  const encoder = new MultipartEncoder({ boundary: B });

  it('writes a JPEG packet with its timestamp and seq', () => {
    const packet: MediaPacket = { type: 'image/jpeg', body: new Uint8Array(5), timestamp: 1_000, seq: 7 };
    const [head, body] = encoder.encodePacket(packet);
    expect(text(head!)).toBe(
      'Content-Type: image/jpeg\r\nContent-Length: 5\r\nX-Timestamp: 1.000000\r\nX-Frame-Seq: 7\r\n\r\n',
    );
    expect(body).toBe(packet.body);
  });

  it('writes audio parts with their rate and channels', () => {
    const l16: MediaPacket = {
      type: 'audio/L16',
      body: new Uint8Array(640),
      timestamp: 20,
      sampleRate: 16_000,
    };
    expect(text(encoder.encodePacket(l16)[0]!)).toBe(
      'Content-Type: audio/L16;rate=16000;channels=1\r\nContent-Length: 640\r\nX-Timestamp: 0.020000\r\n\r\n',
    );
    const pcmu: MediaPacket = { type: 'audio/PCMU', body: new Uint8Array(160), timestamp: 0 };
    expect(text(encoder.encodePacket(pcmu)[0]!)).toMatch(/^Content-Type: audio\/PCMU;rate=8000\r\n/);
  });

  it.each([
    [{ type: 'image/jpeg' }, 'image/jpeg'],
    [{ type: 'audio/L16', sampleRate: 8000 }, 'audio/L16;rate=8000;channels=1'],
    [{ type: 'audio/L16', sampleRate: 48000, channels: 2 }, 'audio/L16;rate=48000;channels=2'],
    [{ type: 'audio/PCMU' }, 'audio/PCMU;rate=8000'],
    [{ type: 'audio/PCMU', channels: 2 }, 'audio/PCMU;rate=8000;channels=2'],
  ] as const)('names %j as %s', (fields, contentType) => {
    expect(getPacketContentType({ body: new Uint8Array(0), timestamp: 0, ...fields })).toBe(contentType);
  });

  it.each([
    ['L16 without a rate', { type: 'audio/L16' }],
    ['a zero rate', { type: 'audio/L16', sampleRate: 0 }],
    ['a fractional channel count', { type: 'audio/PCMU', channels: 1.5 }],
    ['an unknown type', { type: 'video/h264' }],
  ])('throws INVALID_FIELD for %s', (_name, fields) => {
    const packet = { body: new Uint8Array(0), timestamp: 0, ...fields } as MediaPacket;
    expect(() => getPacketContentType(packet)).toThrow(expect.objectContaining({ code: 'INVALID_FIELD' }));
  });

  it('passes layout options through', () => {
    const packet: MediaPacket = { type: 'image/jpeg', body: new Uint8Array(1), timestamp: 5 };
    expect(text(encoder.encodePacket(packet, { final: true })[2]!)).toBe('\r\n--frame--\r\n');
    expect(encoder.encodePacket(packet, { advanceHeaders: true })[0]!.length).toBe(0);
  });
});

describe('test helpers', () => {
  it('reports a missing tool as missing', async () => {
    const { hasTool } = await import('../../../test-support/tools.js');
    expect(hasTool('mjpeg-kit-no-such-tool')).toBe(false);
  });
});
