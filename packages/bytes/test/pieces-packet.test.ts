import { describe, expect, it } from 'vitest';
import { contiguousBody, type MediaPacket, type PiecesMediaPacket } from '../src/index.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('contiguousBody', () => {
  it('returns a contiguous body as it is', () => {
    const body = bytes(1, 2, 3);
    const packet: MediaPacket = { type: 'image/jpeg', body, timestamp: 0 };
    expect(contiguousBody(packet)).toBe(body);
  });

  it('returns a single piece as it is, without copying', () => {
    const piece = bytes(1, 2, 3);
    const packet: PiecesMediaPacket = { type: 'image/jpeg', pieces: [piece], bodyLength: 3, timestamp: 0 };
    expect(contiguousBody(packet)).toBe(piece);
  });

  it('joins several pieces in order, and gives an empty body for no pieces', () => {
    const packet: PiecesMediaPacket = {
      type: 'audio/PCMU',
      pieces: [bytes(1), bytes(2, 3), bytes(4)],
      bodyLength: 4,
      timestamp: 0,
    };
    expect([...contiguousBody(packet)]).toEqual([1, 2, 3, 4]);
    expect(contiguousBody({ type: 'image/jpeg', pieces: [], bodyLength: 0, timestamp: 0 }).length).toBe(0);
  });
});
