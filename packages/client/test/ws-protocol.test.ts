import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeWsPacket,
  encodeWsPacket,
  encodeWsPacketPrefix,
  MAX_WS_HEADER_BYTES,
  parseWsServerMessage,
  StreamError,
  type WsPacketHeader,
} from '../src/index.js';

const headerArbitrary: fc.Arbitrary<WsPacketHeader> = fc.oneof(
  fc.record({
    camera: fc.string({ maxLength: 40 }),
    type: fc.constant('image/jpeg' as const),
    ts: fc.double({ min: 0, max: 4e12, noNaN: true }),
    seq: fc.nat(),
  }),
  fc.record({
    camera: fc.string({ maxLength: 40 }),
    type: fc.constantFrom('audio/L16' as const, 'audio/PCMU' as const),
    ts: fc.double({ min: 0, max: 4e12, noNaN: true }),
    seq: fc.nat(),
    rate: fc.integer({ min: 1, max: 192_000 }),
    channels: fc.integer({ min: 1, max: 8 }),
  }),
);

function prefixWith(kind: number, json: string | Uint8Array): Uint8Array {
  const bytes = typeof json === 'string' ? new TextEncoder().encode(json) : json;
  const message = new Uint8Array(4 + bytes.length + 3);
  message[0] = 1;
  message[1] = kind;
  message[2] = bytes.length >> 8;
  message[3] = bytes.length & 0xff;
  message.set(bytes, 4);
  message.set([0xff, 0xd8, 0xff], 4 + bytes.length);
  return message;
}

function protocolCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof StreamError ? error.code : `not a StreamError: ${String(error)}`;
  }
}

describe('the /ws binary prefix', () => {
  it('decodes what it encodes (fast-check): header fields, kind, and the body as a view of the message', () => {
    fc.assert(
      fc.property(headerArbitrary, fc.uint8Array({ maxLength: 64 }), (header, body) => {
        const message = encodeWsPacket(header, body);
        const decoded = decodeWsPacket(message.buffer as ArrayBuffer);
        expect(decoded.camera).toBe(header.camera);
        expect(decoded.kind).toBe(header.type === 'image/jpeg' ? 1 : 2);
        expect(decoded.packet.type).toBe(header.type);
        expect(decoded.packet.timestamp).toBe(header.ts);
        expect(decoded.packet.seq).toBe(header.seq);
        expect(decoded.packet.sampleRate).toBe(header.rate);
        expect(decoded.packet.channels).toBe(header.channels);
        expect([...decoded.packet.body]).toEqual([...body]);
        expect(decoded.packet.body.buffer).toBe(message.buffer);
        expect(decoded.packet.body.byteOffset).toBe(encodeWsPacketPrefix(header).length);
      }),
    );
  });

  it('lays out version 1, kind, big-endian header length, JSON', () => {
    const prefix = encodeWsPacketPrefix({ camera: 'front', type: 'image/jpeg', ts: 1.5, seq: 2 });
    const json = '{"camera":"front","type":"image/jpeg","ts":1.5,"seq":2}';
    expect([...prefix.subarray(0, 4)]).toEqual([1, 1, 0, json.length]);
    expect(new TextDecoder().decode(prefix.subarray(4))).toBe(json);
  });

  it('throws PROTOCOL for every cut inside the prefix, and decodes a shorter body for cuts after it', () => {
    const header: WsPacketHeader = { camera: 'desk', type: 'image/jpeg', ts: 10, seq: 1 };
    const message = encodeWsPacket(header, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
    const prefixLength = encodeWsPacketPrefix(header).length;
    for (let cut = 0; cut < message.length; cut++) {
      const code = protocolCode(() => decodeWsPacket(message.slice(0, cut)));
      if (cut < prefixLength) expect(code, `cut at ${cut}`).toBe('PROTOCOL');
      else expect(decodeWsPacket(message.slice(0, cut)).packet.body.length).toBe(cut - prefixLength);
    }
  });

  it.each([
    ['a version byte of 2', () => Uint8Array.of(2, 1, 0, 2, 0x7b, 0x7d)],
    ['kind 3', () => prefixWith(3, '{"camera":"a","type":"image/jpeg","ts":1}')],
    ['a header longer than 16 KiB', () => prefixWith(1, `{"camera":"${'x'.repeat(MAX_WS_HEADER_BYTES)}"}`)],
    ['a header that is not JSON', () => prefixWith(1, '{"camera":')],
    ['a header that is not UTF-8', () => prefixWith(1, Uint8Array.of(0x22, 0xc3, 0x28, 0x22))],
    ['a header that is an array', () => prefixWith(1, '[1]')],
    ['no camera', () => prefixWith(1, '{"type":"image/jpeg","ts":1}')],
    ['no ts', () => prefixWith(1, '{"camera":"a","type":"image/jpeg"}')],
    [
      'an audio type under kind 1',
      () => prefixWith(1, '{"camera":"a","type":"audio/L16","ts":1,"rate":8000,"channels":1}'),
    ],
    ['audio without a rate', () => prefixWith(2, '{"camera":"a","type":"audio/L16","ts":1,"channels":1}')],
    ['a negative seq', () => prefixWith(1, '{"camera":"a","type":"image/jpeg","ts":1,"seq":-1}')],
  ])('throws PROTOCOL for %s', (_name, build) => {
    expect(protocolCode(() => decodeWsPacket(build()))).toBe('PROTOCOL');
  });

  it('throws only PROTOCOL StreamErrors for any bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, versioned) => {
        if (versioned && bytes.length > 0) bytes[0] = 1;
        const code = protocolCode(() => decodeWsPacket(bytes));
        expect(code === undefined || code === 'PROTOCOL').toBe(true);
      }),
    );
  });

  it('refuses to encode a header over 16 KiB', () => {
    expect(
      protocolCode(() =>
        encodeWsPacketPrefix({ camera: 'x'.repeat(MAX_WS_HEADER_BYTES), type: 'image/jpeg', ts: 0 }),
      ),
    ).toBe('PROTOCOL');
  });
});

describe('server text messages', () => {
  it('reads hello, subscribed, status and error, and ignores unknown types', () => {
    expect(
      parseWsServerMessage(
        '{"type":"hello","protocol":"mjpeg-kit.v1","cameras":[{"name":"front","online":true,"audio":true},7]}',
      ),
    ).toEqual({
      type: 'hello',
      protocol: 'mjpeg-kit.v1',
      cameras: [{ name: 'front', online: true, audio: true }],
    });
    expect(
      parseWsServerMessage(
        '{"type":"subscribed","camera":"front","online":false,"audio":{"type":"audio/L16","rate":16000,"channels":1}}',
      ),
    ).toEqual({
      type: 'subscribed',
      camera: 'front',
      online: false,
      audio: { type: 'audio/L16', rate: 16000, channels: 1 },
    });
    expect(parseWsServerMessage('{"type":"status","camera":"a","online":true}')).toEqual({
      type: 'status',
      camera: 'a',
      online: true,
    });
    expect(
      parseWsServerMessage(
        '{"type":"error","code":"UNKNOWN_CAMERA","message":"no","camera":"x","known":["a"]}',
      ),
    ).toEqual({ type: 'error', code: 'UNKNOWN_CAMERA', message: 'no', camera: 'x', known: ['a'] });
    expect(parseWsServerMessage('{"type":"later-feature"}')).toBeUndefined();
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '[]'],
    ['hello without protocol', '{"type":"hello"}'],
    ['status without online', '{"type":"status","camera":"a"}'],
    ['longer than 1 MiB', `{"type":"x","pad":"${'y'.repeat(1024 * 1024)}"}`],
  ])('throws PROTOCOL for %s', (_name, text) => {
    expect(protocolCode(() => parseWsServerMessage(text))).toBe('PROTOCOL');
  });
});
