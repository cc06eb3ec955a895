import { bytesEqual } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import { packetMessages, Reassembler, readMeta } from '../src/wire.js';
import { frame } from './helpers.js';

const counters = () => ({ framesDropped: 0, piecesLost: 0 });

describe('Reassembler', () => {
  it('keeps a flood of pieces that never completes within maxPendingFrames and counts every frame it drops', () => {
    const c = counters();
    const r = new Reassembler(c, 16 * 1024 * 1024, 4);
    const piece = 64 * 1024;
    for (let seq = 1; seq <= 1000; seq++) {
      // Two of ten pieces of each frame, then the next frame starts: none ever completes.
      const messages = packetMessages(frame(seq, 10 * piece), seq, piece);
      for (const m of messages.slice(0, 2))
        expect(r.push(readMeta(m.headers)!, m.payload, 0)).toBeUndefined();
      expect(r.pendingFrames).toBeLessThanOrEqual(4);
      expect(r.pendingBytes).toBeLessThanOrEqual(4 * 2 * piece);
    }
    expect(c.framesDropped).toBe(996);
    expect(c.piecesLost).toBe(996 * 8);
    r.expire(10_000);
    expect(r.pendingFrames).toBe(0);
    expect(c.framesDropped).toBe(1000);
  });

  it('drops a frame whose declared length is over maxFrameBytes at its first piece', () => {
    const c = counters();
    const r = new Reassembler(c, 100_000, 4);
    const [first] = packetMessages(frame(1, 200_000), 1, 50_000);
    expect(r.push(readMeta(first!.headers)!, first!.payload, 0)).toBeUndefined();
    expect(r.pendingFrames).toBe(0);
    expect(c.framesDropped).toBe(1);
  });

  it('drops a frame whose last piece is missing when the next frame completes', () => {
    const c = counters();
    const r = new Reassembler(c, 1 << 24, 4);
    const a = packetMessages(frame(1, 300), 1, 100);
    const b = packetMessages(frame(2, 300), 2, 100);
    for (const m of a.slice(0, 2)) r.push(readMeta(m.headers)!, m.payload, 0);
    let out: ReturnType<Reassembler['push']>;
    for (const m of b) out = r.push(readMeta(m.headers)!, m.payload, 0);
    expect(out!.seq).toBe(2);
    expect(bytesEqual(out!.body, frame(2, 300).body)).toBe(true);
    expect(c).toEqual({ framesDropped: 1, piecesLost: 1 });
    expect(r.pendingFrames).toBe(0);
  });

  it('rejects malformed headers', () => {
    const [m] = packetMessages(frame(1, 300), 1, 100);
    m!.headers.set('X-Piece', '5/3');
    expect(readMeta(m!.headers)).toBeUndefined();
  });
});
