import type { MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import { skipWithout } from '../../../test-support/tools.js';
import { SourceError } from '../src/errors.js';
import { buildSyntheticSecond, syntheticAudioSource } from '../src/synthetic/synthetic-audio.js';
import { syntheticCameraSource } from '../src/synthetic/synthetic-camera.js';
import { decodeGray, meanRows } from './helpers/jpeg.js';

const noDjpeg = skipWithout('djpeg');

/** Takes packets until `until` says stop (bounded by `maxMs`), then aborts. */
async function collect(
  make: (signal: AbortSignal) => AsyncIterable<MediaPacket>,
  until: (packets: MediaPacket[]) => boolean,
  maxMs = 3000,
): Promise<MediaPacket[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), maxMs);
  const packets: MediaPacket[] = [];
  try {
    for await (const packet of make(controller.signal)) {
      packets.push(packet);
      if (until(packets)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return packets;
}

/** Peak |sample| of big-endian L16 bytes in `[from, to)` samples. */
function peak(body: Uint8Array, from = 0, to = body.length / 2): number {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let max = 0;
  for (let i = from; i < to; i++) max = Math.max(max, Math.abs(view.getInt16(i * 2, false)));
  return max;
}

describe('syntheticCameraSource', () => {
  it('stamps frames on the fps grid of the shared clock with increasing seq', async () => {
    const frames = await collect(
      (signal) => syntheticCameraSource({ width: 64, height: 48, fps: 20, signal }),
      (p) => p.length >= 6,
    );
    expect(frames).toHaveLength(6);
    frames.forEach((frame, i) => {
      expect(frame.type).toBe('image/jpeg');
      expect(frame.seq).toBe(i);
      // 20 fps: slots at whole multiples of 50 ms.
      expect(frame.timestamp % 50).toBeCloseTo(0, 6);
      if (i > 0) expect(frame.timestamp).toBeGreaterThan(frames[i - 1]!.timestamp);
    });
    expect(new Set(frames.map((f) => Buffer.from(f.body).toString('base64'))).size).toBe(6);
  });

  it('flashes exactly on whole seconds, and only there', async () => {
    const frames = await collect(
      (signal) => syntheticCameraSource({ width: 64, height: 48, fps: 10, signal }),
      (p) => p.filter((f) => f.timestamp % 1000 === 0).length >= 1 && p.length >= 3,
      2500,
    );
    const onSecond = frames.filter((f) => f.timestamp % 1000 === 0);
    expect(onSecond.length).toBeGreaterThanOrEqual(1);
    if (!noDjpeg) {
      for (const frame of frames) {
        const image = decodeGray(frame.body);
        const bright = meanRows(image, 0, 16) > 250;
        expect(bright).toBe(frame.timestamp % 1000 === 0);
      }
    }
  });

  it('skips slots instead of queueing when the consumer is slow', async () => {
    const controller = new AbortController();
    const source = syntheticCameraSource({ width: 32, height: 32, fps: 50, signal: controller.signal });
    const first = await source.next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await source.next();
    controller.abort();
    await source.return();
    const gap = (second.value as MediaPacket).timestamp - (first.value as MediaPacket).timestamp;
    expect(gap).toBeGreaterThan(100);
    expect(source.stats.skippedFrames).toBeGreaterThan(4);
    expect(source.stats.frames).toBe(2);
  });

  it('reports open then closed and ends on abort', async () => {
    const events: StatusEvent[] = [];
    const controller = new AbortController();
    const source = syntheticCameraSource({
      width: 32,
      height: 32,
      signal: controller.signal,
      onStatus: (e) => events.push(e),
    });
    let count = 0;
    for await (const _ of source) {
      if (++count === 2) controller.abort();
    }
    expect(count).toBe(2);
    expect(events.map((e) => e.state)).toEqual(['open', 'closed']);
  });

  it('leaves no timer behind after an abort mid-wait', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const controller = new AbortController();
    const video = syntheticCameraSource({ width: 32, height: 32, fps: 1, signal: controller.signal });
    const audio = syntheticAudioSource({ signal: controller.signal, packetMs: 200 });
    const pending = Promise.all([video.next(), audio.next()]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers()).toBeGreaterThan(before); // both are waiting on a timer now
    controller.abort();
    await pending;
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('throws INVALID_OPTION for fps 0', () => {
    expect(() => syntheticCameraSource({ fps: 0 })).toThrow(SourceError);
    try {
      syntheticCameraSource({ fps: 0 });
    } catch (error) {
      expect((error as SourceError).code).toBe('INVALID_OPTION');
    }
  });
});

describe('syntheticAudioSource', () => {
  it('builds one second: loud 1 kHz for 100 ms from sample 0, quiet tone after', () => {
    const second = buildSyntheticSecond(16000);
    expect(second.length).toBe(32000);
    expect(peak(second, 0, 1600)).toBeGreaterThan(16000);
    expect(peak(second, 1600, 16000)).toBeLessThan(2500);
    expect(peak(second, 1600, 16000)).toBeGreaterThan(1000);
  });

  it('yields 20 ms L16 packets on a continuous sample clock', async () => {
    const packets = await collect(
      (signal) => syntheticAudioSource({ sampleRate: 16000, signal }),
      (p) => p.length >= 5,
    );
    packets.forEach((packet, i) => {
      expect(packet).toMatchObject({ type: 'audio/L16', sampleRate: 16000, channels: 1, seq: i });
      expect(packet.body.length).toBe(640);
      if (i > 0) expect(packet.timestamp - packets[i - 1]!.timestamp).toBeCloseTo(20, 9);
    });
  });

  it('starts the beep on the packet stamped with a whole second, the flash frame instant', async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 2500);
    const audio: MediaPacket[] = [];
    const video: MediaPacket[] = [];
    const matched = () =>
      video.find((v) => v.timestamp % 1000 === 0 && audio.some((a) => a.timestamp === v.timestamp));
    await Promise.all([
      (async () => {
        for await (const p of syntheticAudioSource({ sampleRate: 8000, signal: controller.signal })) {
          audio.push(p);
          if (matched()) break;
        }
      })(),
      (async () => {
        for await (const v of syntheticCameraSource({
          width: 32,
          height: 32,
          fps: 25,
          signal: controller.signal,
        })) {
          video.push(v);
          if (matched()) break;
        }
      })(),
    ]);
    clearTimeout(timer);
    controller.abort();
    const flash = matched();
    expect(flash).toBeDefined();
    const beepIndex = audio.findIndex((a) => a.timestamp === flash!.timestamp);
    const beep = audio[beepIndex]!;
    expect(peak(beep.body, 0, 8)).toBeGreaterThan(1000); // loud from its first samples
    expect(peak(beep.body)).toBeGreaterThan(16000);
    if (beepIndex > 0) expect(peak(audio[beepIndex - 1]!.body)).toBeLessThan(2500);
  });
});
