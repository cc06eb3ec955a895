import { concatBytes, type MediaPacket, type PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import { MultipartEncoder } from '../src/index.js';

const frame = Uint8Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff);
const contiguous: MediaPacket = { type: 'image/jpeg', body: frame, timestamp: 1_700_000_000_123, seq: 7 };
const cuts = [0, 1, 120, 299, 300];
const pieces: PiecesMediaPacket = {
  type: 'image/jpeg',
  pieces: cuts.slice(1).map((end, i) => frame.subarray(cuts[i], end)),
  bodyLength: frame.length,
  timestamp: contiguous.timestamp,
  seq: 7,
};

describe('MultipartEncoder.encodePacket with a pieces body', () => {
  it.each([
    ['plain', false, {}],
    ['legacy', true, {}],
    ['advance headers', false, { advanceHeaders: true, advanceTimestamp: 1_700_000_000_456 }],
    ['final', false, { final: true }],
  ] as const)(
    '%s: the same bytes as the contiguous body, the pieces handed over as they are',
    (_, legacy, options) => {
      const encoder = new MultipartEncoder({ boundary: 'b', legacy });
      const expected = concatBytes(encoder.encodePacket(contiguous, options));
      const encoded = encoder.encodePacket(pieces, options);
      expect(concatBytes(encoded)).toEqual(expected);
      expect(encoded.slice(1, -1)).toEqual(pieces.pieces);
      for (const [i, piece] of pieces.pieces.entries()) expect(encoded[i + 1]).toBe(piece);
    },
  );

  it('writes Content-Length from bodyLength', () => {
    const head = new TextDecoder().decode(new MultipartEncoder({ boundary: 'b' }).encodePacket(pieces)[0]);
    expect(head).toContain('Content-Length: 300\r\n');
  });
});
