import { decodeMulaw, encodeMulaw, type MediaPacket, writeL16 } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
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
