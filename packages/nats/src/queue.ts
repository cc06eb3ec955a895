import type { MediaPacket } from '@mjpeg-kit/bytes';
import type { NatsLinkStats } from './stats.js';

/** Audio held for a slow consumer at most this long (by its sample count), by default. */
export const DEFAULT_MAX_AUDIO_MS = 500;
/** Audio packets held at most, whatever their duration. */
const MAX_AUDIO_PACKETS = 256;

function audioMs(packet: MediaPacket): number {
  const bytesPerSample = packet.type === 'audio/L16' ? 2 : 1;
  const rate = packet.sampleRate ?? 8000;
  const channels = packet.channels ?? 1;
  return (packet.body.length / (bytesPerSample * channels * rate)) * 1000;
}

/**
 * Packets waiting for a consumer: at most one frame (a newer one replaces it: latest wins)
 * and at most `maxAudioMs` of audio (the oldest goes first), in arrival order.
 */
export class LatestQueue {
  readonly #items: MediaPacket[] = [];
  readonly #stats: NatsLinkStats;
  readonly #maxAudioMs: number;
  #audioMs = 0;
  #wake: (() => void) | undefined;

  constructor(stats: NatsLinkStats, maxAudioMs: number) {
    this.#stats = stats;
    this.#maxAudioMs = maxAudioMs;
  }

  get length(): number {
    return this.#items.length;
  }

  /** Bytes held. */
  get bytes(): number {
    let sum = 0;
    for (const p of this.#items) sum += p.body.length;
    return sum;
  }

  push(packet: MediaPacket): void {
    if (packet.type === 'image/jpeg') {
      const old = this.#items.findIndex((p) => p.type === 'image/jpeg');
      if (old >= 0) {
        this.#items.splice(old, 1);
        this.#stats.framesDropped++;
        this.#stats.framesSkipped++;
      }
    } else {
      const ms = audioMs(packet);
      this.#audioMs += ms;
      let audioCount = 1;
      for (const p of this.#items) if (p.type !== 'image/jpeg') audioCount++;
      while (this.#audioMs > this.#maxAudioMs || audioCount > MAX_AUDIO_PACKETS) {
        const oldest = this.#items.findIndex((p) => p.type !== 'image/jpeg');
        if (oldest < 0) break;
        this.#audioMs -= audioMs(this.#items[oldest]!);
        this.#items.splice(oldest, 1);
        this.#stats.audioDropped++;
        audioCount--;
      }
    }
    this.#items.push(packet);
    this.#wake?.();
  }

  shift(): MediaPacket | undefined {
    const packet = this.#items.shift();
    if (packet !== undefined && packet.type !== 'image/jpeg')
      this.#audioMs = Math.max(0, this.#audioMs - audioMs(packet));
    return packet;
  }

  /** Resolves when a packet is pushed or `wake()` is called. */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
    });
  }

  wake(): void {
    this.#wake?.();
  }
}
