import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { MediaPacket, PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import { MjpegHub } from '../src/index.js';
import { FakeSocket } from './fake-socket.js';
import { frame } from './helpers.js';

// A frame published as pieces (a relayed upstream's parts): the same bytes on every layout as
// the same frame published contiguous, and a contiguous body only when something asks for it.

/** A {@link FakeSocket} that records a copy of every array written; writes complete at once. */
class RecordingSocket extends FakeSocket {
  readonly writes: Uint8Array[] = [];
  override write(bytes: Uint8Array, callback?: (error?: Error | null) => void) {
    this.writes.push(Uint8Array.from(bytes));
    return super.write(bytes, callback);
  }
}

const LAYOUTS = [
  { name: 'HTTP/1.1 chunked', chunked: true },
  { name: 'HTTP/1.0', chunked: false },
  { name: 'legacy', chunked: true, legacy: true },
  { name: 'advance headers', chunked: false, advanceHeaders: true },
] as const;

/** `packet`'s body cut into pieces at `cuts` (views, no copy). */
function inPieces(packet: MediaPacket, cuts: number[]): PiecesMediaPacket {
  const { body, ...fields } = packet;
  const ends = [0, ...cuts, body.length];
  return {
    ...fields,
    pieces: ends.slice(1).map((end, i) => body.subarray(ends[i], end)),
    bodyLength: body.length,
  };
}

/**
 * What viewers of each layout receive for `packets`, after the opening bytes, as latin1 text (the
 * advance layout's tail stamps the publish time: masked), and the number of writes per viewer.
 */
async function received(
  packets: (MediaPacket | PiecesMediaPacket)[],
): Promise<{ text: string[]; writes: number[] }> {
  const hub = new MjpegHub({ boundary: 'b', repeatStillMs: 0 });
  const sockets = LAYOUTS.map((layout) => {
    const socket = new RecordingSocket();
    hub.addViewer(socket as unknown as Socket, { kind: 'stream', ...layout });
    return socket;
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (const socket of sockets) socket.writes.length = 0;
  for (const packet of packets) {
    hub.publish(packet);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const writes = sockets.map((socket) => socket.writes.length);
  hub.close();
  const text = sockets.map((socket) =>
    Buffer.concat(socket.writes)
      .toString('latin1')
      .replace(/X-Timestamp: \d+\.\d+/g, 'X-Timestamp: T'),
  );
  return { text, writes };
}

describe('MjpegHub.publish with a pieces body', () => {
  it('sends every layout the same bytes as the contiguous frame, in one write per frame', async () => {
    const frames = [frame(0x21, 1_700_000_000_000), frame(0x22, 1_700_000_000_040)];
    const expected = await received(frames);
    const actual = await received(frames.map((packet, i) => inPieces(packet, i === 0 ? [1, 2, 100] : [50])));
    expect(actual.text).toEqual(expected.text);
    for (const [i, text] of actual.text.entries())
      expect(text, LAYOUTS[i]!.name).toContain(Buffer.from(frames[1]!.body).toString('latin1'));
    expect(actual.writes).toEqual(LAYOUTS.map(() => frames.length));
  });

  it('gives latestFrame and snapshot waiters one contiguous body, joined once', async () => {
    const hub = new MjpegHub({ boundary: 'b', repeatStillMs: 0 });
    const packet = frame(0x33);
    const waiting = hub.waitForFrame(0, 1000);
    hub.publish(inPieces(packet, [1, 64, 200]));
    const snapshot = await waiting;
    expect(snapshot?.body).toEqual(packet.body);
    expect(snapshot && 'pieces' in snapshot).toBe(false);
    const latest = hub.latestFrame;
    expect(latest?.body).toEqual(packet.body);
    expect(hub.latestFrame).toBe(latest);
    expect(latest?.body).toBe(snapshot?.body);
    hub.close();
  });

  it('reads the frame size for stats from the pieces, whether the header is in the first piece or not', () => {
    for (const cuts of [[400], [3, 10]]) {
      const hub = new MjpegHub({ boundary: 'b', repeatStillMs: 0 });
      hub.publish(inPieces(frame(0x44), cuts));
      expect([hub.stats.width, hub.stats.height], String(cuts)).toEqual([320, 240]);
      hub.close();
    }
  });

  it('drops a repeated frame in pieces with dropSameFrames, and keeps a changed one', () => {
    const hub = new MjpegHub({ boundary: 'b', repeatStillMs: 0, dropSameFrames: true });
    const first = frame(0x55);
    hub.publish(inPieces(first, [10]));
    hub.publish(inPieces({ ...first, seq: undefined }, [7, 90]));
    hub.publish(inPieces(frame(0x56), [10]));
    expect(hub.stats.framesDroppedSame).toBe(1);
    expect(hub.stats.framesPublished).toBe(2);
    hub.close();
  });
});
