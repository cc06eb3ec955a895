import { decodeMulaw, encodeMulaw, type MediaPacket, readL16 } from '@mjpeg-kit/bytes';
import { RateConverter } from './audio.js';

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
    // Both readers mix interleaved channels down to mono as they read.
    let samples: Int16Array = isPcmu ? decodeMulaw(packet.body, channels) : readL16(packet.body, channels);
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
