import { concatBytes, formatTimestamp, type MediaPacket } from '@mjpeg-kit/bytes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaDemuxer } from '../src/demuxer.js';
import { ascii, hex } from './helpers/media.js';
import { cut } from './helpers/split.js';

const BOUNDARY = 'mjk-3f9a';

/** Bytes that trip naive parsers: the delimiter, line ends, EOI and SOI markers. */
const nasty = fc.oneof(
  fc.constant(ascii(`\r\n--${BOUNDARY}\r\n`)),
  fc.constant(ascii(`--${BOUNDARY}`)),
  fc.constant(ascii('\r\n\r\n')),
  fc.constant(new Uint8Array([0xff, 0xd9])),
  fc.constant(new Uint8Array([0xff, 0xd8])),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
);

/** A JPEG-shaped body (SOI first, EOI last) full of nasty bytes: the demuxer must not look inside. */
const jpegBody = fc
  .array(nasty, { maxLength: 12 })
  .map((pieces) => concatBytes([new Uint8Array([0xff, 0xd8]), ...pieces, new Uint8Array([0xff, 0xd9])]));

const packet: fc.Arbitrary<MediaPacket> = fc.oneof(
  fc.record({
    type: fc.constant('image/jpeg' as const),
    body: jpegBody,
    timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
    seq: fc.nat({ max: 1_000_000 }),
  }),
  fc.record({
    type: fc.constant('audio/L16' as const),
    body: fc.array(nasty, { maxLength: 6 }).map((pieces) => {
      const bytes = concatBytes(pieces);
      return bytes.subarray(0, bytes.length & ~1);
    }),
    timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
    sampleRate: fc.constantFrom(8000, 16000, 48000),
    channels: fc.constantFrom(1, 2),
  }),
);

/** mjpeg-kit's wire layout (docs/architecture.md, "The bytes of a live part"): opening once, head, body, tail. */
function encode(packets: MediaPacket[]): Uint8Array {
  const pieces: Uint8Array[] = [ascii(`--${BOUNDARY}\r\n`)];
  for (const p of packets) {
    const type = p.type === 'audio/L16' ? `audio/L16;rate=${p.sampleRate};channels=${p.channels}` : p.type;
    const seq = p.seq === undefined ? '' : `X-Frame-Seq: ${p.seq}\r\n`;
    pieces.push(
      ascii(
        `Content-Type: ${type}\r\nContent-Length: ${p.body.length}\r\nX-Timestamp: ${formatTimestamp(p.timestamp)}\r\n${seq}\r\n`,
      ),
      p.body,
      ascii(`\r\n--${BOUNDARY}\r\n`),
    );
  }
  return concatBytes(pieces);
}

describe('encoder → MediaDemuxer round trip', () => {
  it('gives back every packet, byte-identical, however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(packet, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 16 }),
        fc.boolean(),
        (packets, rawOffsets, raw) => {
          const wire = encode(packets);
          const offsets = rawOffsets.map((offset) => offset % wire.length);
          // Either the multipart Content-Type, or ?raw=1's octet-stream with X-Boundary.
          const demuxer = new MediaDemuxer(
            raw
              ? { contentType: 'application/octet-stream', boundary: BOUNDARY }
              : { contentType: `multipart/x-mixed-replace;boundary=${BOUNDARY}` },
          );
          const out = cut(wire, offsets).flatMap((chunk) => demuxer.push(chunk));
          out.push(...demuxer.end());
          expect(out.map((p) => [p.type, hex(p.body), p.seq, p.sampleRate, p.channels])).toEqual(
            packets.map((p) => [p.type, hex(p.body), p.seq, p.sampleRate, p.channels]),
          );
          out.forEach((p, i) => {
            expect(Math.abs(p.timestamp - packets[i]!.timestamp)).toBeLessThan(0.001);
          });
          expect(demuxer.parser).toBe('multipart');
        },
      ),
      { numRuns: 300 },
    );
  });
});
