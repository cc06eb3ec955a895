import type { MediaPacket } from '@mjpeg-kit/bytes';
import { decodeMulaw, encodeMulaw, RateConverter, readL16 } from './audio.js';

/** G.711's rate: `/av?audio=pcmu` always carries 8 kHz mono µ-law. */
export const PCMU_RATE_HZ = 8000;

/**
 * Turns published audio (`audio/L16` or `audio/PCMU`, any rate and channel count) into 8 kHz
 * mono µ-law. Packets must come in publish order: the rate converter carries state across
 * them, so packet edges make no clicks.
 */
export class PcmuTranscoder {
  #converter: RateConverter | undefined;

  /** The µ-law body for one packet; 8 kHz mono µ-law passes through untouched. */
  transcode(packet: MediaPacket, sampleRateHz: number, channels: number): Uint8Array {
    const isPcmu = packet.type === 'audio/PCMU';
    if (isPcmu && sampleRateHz === PCMU_RATE_HZ && channels === 1) return packet.body;
    let samples = isPcmu ? decodeMulaw(packet.body) : readL16(packet.body, channels, true);
    if (isPcmu && channels > 1) samples = mixDown(samples, channels);
    if (sampleRateHz !== PCMU_RATE_HZ) {
      if (this.#converter?.inputRateHz !== sampleRateHz) {
        this.#converter = new RateConverter(sampleRateHz, PCMU_RATE_HZ);
      }
      samples = this.#converter.convert(samples);
    }
    return encodeMulaw(samples);
  }

  /** Forgets the converter's state: the next packet starts a fresh signal. */
  reset(): void {
    this.#converter = undefined;
  }
}

function mixDown(samples: Int16Array, channels: number): Int16Array {
  const out = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c]!;
    out[i] = Math.round(sum / channels);
  }
  return out;
}
