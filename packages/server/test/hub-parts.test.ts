import { decodeMulaw, encodeMulaw, type MediaPacket, writeL16 } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import { FrameRateMeter } from '../src/frame-rate.js';
import { PCMU_RATE_HZ, PcmuTranscoder } from '../src/pcmu-transcoder.js';

const l16 = (samples: number[], sampleRate: number, channels = 1): MediaPacket => ({
  type: 'audio/L16',
  body: writeL16(Int16Array.from(samples)),
  timestamp: 0,
  sampleRate,
  channels,
});

describe('PcmuTranscoder', () => {
  it('passes 8 kHz mono µ-law through untouched', () => {
    const body = encodeMulaw(Int16Array.from([0, 1000, -1000]));
    const packet: MediaPacket = { type: 'audio/PCMU', body, timestamp: 0 };
    expect(new PcmuTranscoder().transcode(packet, PCMU_RATE_HZ, 1)).toBe(body);
  });

  it('encodes 8 kHz L16 sample for sample', () => {
    const out = new PcmuTranscoder().transcode(l16([0, 8000, -8000, 30000], 8000), 8000, 1);
    expect(out).toEqual(encodeMulaw(Int16Array.from([0, 8000, -8000, 30000])));
  });

  it('mixes stereo down and halves 16 kHz across packet edges without losing samples', () => {
    const transcoder = new PcmuTranscoder();
    // Left 4000, right 2000: the mix is 3000 everywhere; 2 × 160 stereo frames at 16 kHz.
    const frame = [4000, 2000];
    const packet = l16(
      Array.from({ length: 320 }, (_, i) => frame[i % 2]!),
      16000,
      2,
    );
    const first = transcoder.transcode(packet, 16000, 2);
    const second = transcoder.transcode(packet, 16000, 2);
    expect(first.length + second.length).toBe(160);
    for (const sample of decodeMulaw(second)) expect(Math.abs(sample - 3000)).toBeLessThan(100);
  });

  it('starts fresh after reset()', () => {
    const transcoder = new PcmuTranscoder();
    // One sample is half of an output window: without reset() the next one would complete it.
    expect(transcoder.transcode(l16([1000], 16000), 16000, 1)).toHaveLength(0);
    transcoder.reset();
    expect(transcoder.transcode(l16([2000], 16000), 16000, 1)).toHaveLength(0);
    expect(decodeMulaw(transcoder.transcode(l16([2000], 16000), 16000, 1))[0]).toBeCloseTo(2000, -2);
  });
});

describe('FrameRateMeter', () => {
  it('reads 0 before two frames, then frames per second over the window', () => {
    const meter = new FrameRateMeter();
    expect(meter.rate(0)).toBe(0);
    meter.add(0);
    expect(meter.rate(0)).toBe(0);
    for (let i = 1; i <= 30; i++) meter.add(i * 40);
    expect(meter.rate(1200)).toBeCloseTo(25, 6);
  });

  it('forgets frames older than 2 s, so a stopped source reads 0', () => {
    const meter = new FrameRateMeter();
    for (let i = 0; i < 10; i++) meter.add(i * 100);
    expect(meter.rate(1000)).toBeCloseTo(10, 6);
    expect(meter.rate(3000)).toBe(0);
  });

  it('keeps a bounded window of recent frames', () => {
    const meter = new FrameRateMeter();
    for (let i = 0; i < 1000; i++) meter.add(i * 10); // 100 fps, far more frames than kept
    expect(meter.rate(9990)).toBeCloseTo(100, 6);
  });
});
