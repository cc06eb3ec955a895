import type { Buffer } from 'node:buffer';
import { decodeMulaw, type MediaPacket, writeL16 } from '@mjpeg-kit/bytes';
import { encodeChunk } from '@mjpeg-kit/chunked';
import { swapBytePairs } from './audio.js';
import { asBuffer, EncodedPart, type PartEncoders } from './encoded-part.js';

/** Default sample rate assumed for an audio packet without `sampleRate`. */
const DEFAULT_AUDIO_RATE_HZ = 8000;

/**
 * One published audio packet and its encodings, each built once and shared: the `audio/L16`
 * part for `/av`, the `audio/PCMU` part for `/av?audio=pcmu` (set by the hub, which converts
 * packets in order because its rate converter keeps state), and the little-endian samples
 * for `/audio.wav`.
 */
export class AudioItem {
  readonly packet: MediaPacket;
  readonly seq: number;
  readonly publishedAt: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly durationMs: number;
  /** The µ-law part, when a `?audio=pcmu` viewer was watching at publish time. */
  pcmu: EncodedPart | undefined;
  readonly #encoders: PartEncoders;
  #l16: EncodedPart | undefined;
  readonly #wav: (Buffer[] | undefined)[] = [undefined, undefined];

  constructor(packet: MediaPacket, seq: number, publishedAt: number, encoders: PartEncoders) {
    this.packet = packet;
    this.seq = seq;
    this.publishedAt = publishedAt;
    this.#encoders = encoders;
    this.sampleRate = packet.sampleRate ?? DEFAULT_AUDIO_RATE_HZ;
    this.channels = packet.channels ?? 1;
    const bytesPerSample = packet.type === 'audio/PCMU' ? 1 : 2;
    this.durationMs = (packet.body.length / (bytesPerSample * this.channels) / this.sampleRate) * 1000;
  }

  get timestamp(): number {
    return this.packet.timestamp;
  }

  /** The `audio/L16` part (µ-law input is decoded once, here). */
  get l16(): EncodedPart {
    if (this.#l16 === undefined) {
      const packet: MediaPacket =
        this.packet.type === 'audio/L16'
          ? this.packet
          : {
              type: 'audio/L16',
              body: writeL16(decodeMulaw(this.packet.body)),
              timestamp: this.packet.timestamp,
              sampleRate: this.sampleRate,
              channels: this.channels,
            };
      this.#l16 = new EncodedPart(packet, this.seq, this.publishedAt, this.#encoders);
    }
    return this.#l16;
  }

  /** The samples as little-endian 16-bit PCM for `/audio.wav`, chunk-framed when `chunked`. */
  wav(chunked: boolean): Buffer[] {
    const index = chunked ? 1 : 0;
    const cached = this.#wav[index];
    if (cached !== undefined) return cached;
    const samples = this.l16.packet.body;
    const littleEndian = asBuffer(swapBytePairs(samples));
    const framed = chunked ? encodeChunk(littleEndian).map(asBuffer) : [littleEndian];
    this.#wav[index] = framed;
    return framed;
  }
}
