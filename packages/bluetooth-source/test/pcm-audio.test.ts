import { type MediaPacket, nowMs, type StatusEvent } from '@mjpeg-kit/bytes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PcmPacketizer, pcmAudioSource } from '../src/pcm-audio.js';
import { arbitraryCuts, cutAt, splitsOf } from './helpers/splits.js';

/** `count` 16-bit little-endian samples 0x0102, 0x0304, … (distinct bytes, easy to read). */
function littleEndianRamp(count: number): Uint8Array {
  const bytes = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) {
    bytes[i * 2] = (i * 2 + 2) & 0xff; // low byte first
    bytes[i * 2 + 1] = (i * 2 + 1) & 0xff;
  }
  return bytes;
}

/** The same samples in big-endian order. */
function bigEndianRamp(count: number): Uint8Array {
  const bytes = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) {
    bytes[i * 2] = (i * 2 + 1) & 0xff;
    bytes[i * 2 + 1] = (i * 2 + 2) & 0xff;
  }
  return bytes;
}

function feed(packetizer: PcmPacketizer, chunks: Uint8Array[]): Uint8Array[] {
  const out = chunks.flatMap((chunk) => packetizer.push(chunk));
  const rest = packetizer.flush();
  if (rest) out.push(rest);
  return out;
}

describe('PcmPacketizer', () => {
  it('sizes packets from rate, channels and duration', () => {
    expect(new PcmPacketizer({ sampleRate: 8000 }).packetBytes).toBe(320);
    expect(new PcmPacketizer({ sampleRate: 16000, packetMs: 20 }).packetBytes).toBe(640);
    expect(new PcmPacketizer({ sampleRate: 48000, channels: 2, packetMs: 10 }).packetBytes).toBe(1920);
  });

  it('swaps little-endian input to big-endian L16 at every split', () => {
    // 4 ms packets at 8 kHz: 32 samples, 64 bytes; 100 samples give 3 packets and 8 samples left.
    const input = littleEndianRamp(100);
    const expected = bigEndianRamp(100);
    for (const { name, chunks } of splitsOf(input)) {
      const packets = feed(new PcmPacketizer({ sampleRate: 8000, packetMs: 4 }), chunks);
      expect(
        packets.map((p) => p.length),
        name,
      ).toEqual([64, 64, 64, 8]);
      expect(Buffer.concat(packets), name).toEqual(Buffer.from(expected));
    }
  });

  it('passes big-endian input through unchanged', () => {
    const input = bigEndianRamp(40);
    const packets = feed(new PcmPacketizer({ sampleRate: 8000, packetMs: 2, inputByteOrder: 'big' }), [
      input,
    ]);
    expect(Buffer.concat(packets)).toEqual(Buffer.from(input));
  });

  it('carries a sample split across chunks and drops only a trailing odd byte', () => {
    const packetizer = new PcmPacketizer({ sampleRate: 1000, packetMs: 2 }); // 2 samples per packet
    expect(packetizer.push(Uint8Array.of(0x34))).toEqual([]);
    expect(packetizer.bufferedBytes).toBe(1);
    expect(packetizer.push(Uint8Array.of(0x12, 0x78, 0x56))).toEqual([Uint8Array.of(0x12, 0x34, 0x56, 0x78)]);
    packetizer.push(Uint8Array.of(0xcd, 0xab, 0xef));
    expect(packetizer.flush()).toEqual(Uint8Array.of(0xab, 0xcd));
  });

  it('keeps interleaved stereo frames whole in the short last packet', () => {
    const packetizer = new PcmPacketizer({ sampleRate: 1000, channels: 2, packetMs: 4 });
    packetizer.push(new Uint8Array(6)); // one frame (4 bytes) and half a frame
    expect(packetizer.flush()?.length).toBe(4);
  });

  it('gives the same bytes for any random split (property)', () => {
    const input = littleEndianRamp(333);
    const expected = Buffer.from(bigEndianRamp(333));
    fc.assert(
      fc.property(arbitraryCuts(input.length), (cuts) => {
        const packets = feed(new PcmPacketizer({ sampleRate: 8000, packetMs: 5 }), cutAt(input, cuts));
        return Buffer.concat(packets).equals(expected) && packets.slice(0, -1).every((p) => p.length === 80);
      }),
    );
  });
});

async function* chunksOf(parts: Uint8Array[], delayMs = 0): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    yield part;
  }
}

describe('pcmAudioSource', () => {
  it('yields fixed-duration audio/L16 packets with evenly spaced timestamps', async () => {
    const input = littleEndianRamp(8000 * 0.1 + 3); // 100 ms and 3 samples
    const packets: MediaPacket[] = [];
    const events: StatusEvent[] = [];
    for await (const packet of pcmAudioSource({
      input: chunksOf(cutAt(input, [1, 101, 333, 1200])),
      onStatus: (e) => events.push(e),
    })) {
      packets.push(packet);
    }
    expect(packets.map((p) => p.body.length)).toEqual([320, 320, 320, 320, 320, 6]);
    packets.forEach((p, i) => {
      expect(p).toMatchObject({ type: 'audio/L16', sampleRate: 8000, channels: 1, seq: i });
      if (i > 0) expect(p.timestamp - packets[i - 1]!.timestamp).toBeCloseTo(20, 9);
    });
    expect(Buffer.concat(packets.map((p) => p.body))).toEqual(Buffer.from(bigEndianRamp(803)));
    expect(events.map((e) => e.state)).toEqual(['open', 'closed']);
  });

  it('reads a ReadableStream', async () => {
    const input = littleEndianRamp(320);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(input.subarray(0, 3));
        controller.enqueue(input.subarray(3));
        controller.close();
      },
    });
    const packets: MediaPacket[] = [];
    for await (const packet of pcmAudioSource({ input: stream, sampleRate: 16000 })) packets.push(packet);
    expect(packets.map((p) => p.body.length)).toEqual([640]);
  });

  it('re-anchors the clock when the input stalls', async () => {
    const input = littleEndianRamp(320);
    const source = pcmAudioSource({ input: chunksOf([input.subarray(0, 320), input.subarray(320)], 300) });
    const packets: MediaPacket[] = [];
    for await (const packet of source) packets.push(packet);
    expect(packets).toHaveLength(2);
    expect(packets[1]!.timestamp - packets[0]!.timestamp).toBeGreaterThan(250);
    expect(source.stats.resyncs).toBe(1);
  });

  it('paces packets in real time when asked (a file)', async () => {
    const started = nowMs();
    const packets: MediaPacket[] = [];
    const yieldedAt: number[] = [];
    for await (const packet of pcmAudioSource({
      input: chunksOf([littleEndianRamp(8000 * 0.08)]),
      realtime: true,
    })) {
      packets.push(packet);
      yieldedAt.push(nowMs());
    }
    expect(packets).toHaveLength(4);
    expect(packets[0]!.timestamp).toBeGreaterThanOrEqual(started);
    // Each packet comes out once its last sample is due, not as fast as the input reads.
    for (const [i, p] of packets.entries()) expect(yieldedAt[i]).toBeGreaterThanOrEqual(p.timestamp + 20);
  });

  it('stops on abort while the input is silent', async () => {
    const controller = new AbortController();
    const never: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }),
    };
    const done = (async () => {
      for await (const _ of pcmAudioSource({ input: never, signal: controller.signal })) {
        /* nothing arrives */
      }
    })();
    setTimeout(() => controller.abort(), 20);
    await expect(done).resolves.toBeUndefined();
  });
});
