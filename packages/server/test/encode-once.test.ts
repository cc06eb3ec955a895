import type { Socket } from 'node:net';
import { concatBytes, indexOfBytes, decodeLatin1 as latin1 } from '@mjpeg-kit/bytes';
import { ChunkedReader } from '@mjpeg-kit/chunked';
import { describe, expect, it } from 'vitest';
import { MjpegHub } from '../src/index.js';
import { FakeSocket } from './fake-socket.js';
import { audio, frame } from './helpers.js';

/** A {@link FakeSocket} that records every array written, counts corks, and completes writes when told. */
class RecordingSocket extends FakeSocket {
  readonly writes: Uint8Array[] = [];
  readonly pending: ((error?: Error | null) => void)[] = [];
  corked = 0;
  override cork() {
    this.corked++;
  }
  override uncork() {
    this.corked--;
  }
  override write(bytes: Uint8Array, callback?: (error?: Error | null) => void) {
    this.writes.push(bytes);
    if (callback) this.pending.push(callback);
    return true;
  }
  /** The kernel took everything: run the write callbacks. */
  drain() {
    for (const callback of this.pending.splice(0)) callback(null);
  }
}

function attach(hub: MjpegHub, options: Partial<Parameters<MjpegHub['addViewer']>[1]> = {}) {
  const socket = new RecordingSocket();
  hub.addViewer(socket as unknown as Socket, { kind: 'stream', chunked: true, ...options });
  socket.drain();
  return socket;
}

describe('encode once, send to many', () => {
  it('writes the very same buffer to every viewer with the same layout, in one write', async () => {
    const hub = new MjpegHub({ boundary: 'b', repeatStillMs: 0 });
    const viewers = [attach(hub), attach(hub), attach(hub)];
    for (const viewer of viewers) viewer.writes.length = 0;
    const packet = frame(0x42);
    hub.publish(packet);
    const first = viewers[0]!.writes;
    // Chunk size line, head, body, tail and CRLF joined once per frame: one write per viewer.
    expect(first.length).toBe(1);
    for (const viewer of viewers.slice(1)) expect(viewer.writes).toEqual([first[0]]);
    for (const viewer of viewers.slice(1)) expect(viewer.writes[0]).toBe(first[0]);
    const decoded = concatBytes(new ChunkedReader().push(first[0]!));
    expect(indexOfBytes(decoded, packet.body)).toBeGreaterThan(0);
    expect(latin1(decoded)).toMatch(/^Content-Type: image\/jpeg\r\n[\s\S]*\r\n\r\n/);
    expect(latin1(decoded).endsWith('\r\n--b\r\n')).toBe(true);
    expect(viewers.every((viewer) => viewer.corked === 0)).toBe(true);
    await hub.close();
  });

  it('builds each layout once and shares it among the viewers that use it', async () => {
    const hub = new MjpegHub({ boundary: 'b', repeatStillMs: 0 });
    const chunked = [attach(hub), attach(hub)];
    const legacy = [attach(hub, { legacy: true }), attach(hub, { legacy: true })];
    const http10 = attach(hub, { chunked: false });
    for (const viewer of [...chunked, ...legacy, http10]) viewer.writes.length = 0;
    hub.publish(frame(0x43));
    expect(chunked[0]!.writes[0]).toBe(chunked[1]!.writes[0]);
    expect(legacy[0]!.writes[0]).toBe(legacy[1]!.writes[0]);
    expect(legacy[0]!.writes[0]).not.toBe(chunked[0]!.writes[0]);
    expect(latin1(legacy[0]!.writes[0]!)).toContain('Content-Size');
    // HTTP/1.0: the same part without chunk framing.
    expect(http10.writes.length).toBe(1);
    expect(latin1(http10.writes[0]!)).toBe(
      latin1(concatBytes(new ChunkedReader().push(chunked[0]!.writes[0]!))),
    );
    await hub.close();
  });

  it('sends nothing more to a viewer until its write drains, then only the newest frame', async () => {
    const hub = new MjpegHub({ boundary: 'b', repeatStillMs: 0 });
    const viewer = attach(hub);
    viewer.writes.length = 0;
    const frames = [frame(1), frame(2), frame(3)];
    hub.publish(frames[0]!);
    const afterFirst = viewer.writes.length;
    hub.publish(frames[1]!);
    hub.publish(frames[2]!);
    expect(viewer.writes.length).toBe(afterFirst);
    viewer.drain();
    const sent = viewer.writes.map(
      (bytes) => frames.findIndex((f) => indexOfBytes(bytes, f.body) !== -1) + 1,
    );
    expect(sent).toEqual([1, 3]);
    expect(hub.stats.framesSkipped).toBe(1);
    await hub.close();
  });

  it('shares audio parts between /av viewers and converts µ-law once per packet', async () => {
    const hub = new MjpegHub({ boundary: 'b' });
    const a = attach(hub, { kind: 'av', audio: 'pcmu' });
    const b = attach(hub, { kind: 'av', audio: 'pcmu' });
    a.writes.length = 0;
    b.writes.length = 0;
    hub.publish(audio(1_700_000_000_000, 16_000));
    expect(a.writes.length).toBeGreaterThan(0);
    for (const [i, bytes] of a.writes.entries()) expect(bytes).toBe(b.writes[i]);
    await hub.close();
  });

  it('frames the WAV header as one chunk on HTTP/1.1 and sends it bare on HTTP/1.0', async () => {
    const hub = new MjpegHub({ boundary: 'b' });
    const chunked = attach(hub, { kind: 'wav' });
    const plain = attach(hub, { kind: 'wav', chunked: false });
    hub.publish(audio(1_700_000_000_000));
    const chunkedBytes = concatBytes(chunked.writes);
    const decoded = new ChunkedReader().push(chunkedBytes);
    // Size line, the 44 header bytes, CRLF: the header is a chunk of its own.
    expect(latin1(chunkedBytes.subarray(0, 4))).toBe('2c\r\n');
    expect(decoded[0]!.length).toBe(44);
    const plainBytes = concatBytes(plain.writes);
    expect(latin1(plainBytes.subarray(0, 4))).toBe('RIFF');
    expect(plainBytes.subarray(0, 44)).toEqual(decoded[0]);
    expect(plainBytes.length).toBe(44 + 320);
    await hub.close();
  });
});
