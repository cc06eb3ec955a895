import {
  type LifecycleOptions,
  type MediaPacket,
  nowMs,
  type PacketSource,
  sleepUntil,
} from '@mjpeg-kit/bytes';
import { checkNumberOption } from '../options.js';

/** Options of {@link syntheticAudioSource}. */
export interface SyntheticAudioOptions extends LifecycleOptions {
  /** Samples per second, a whole number 8000..48000 (default 16000). */
  sampleRate?: number;
  /** Packet duration in ms, 5..200 (default 20). */
  packetMs?: number;
  /** Background tone in Hz (default 440). */
  toneHz?: number;
  /** Beep tone in Hz (default 1000). */
  beepHz?: number;
  /** Beep length in ms from each whole second (default 100). */
  beepMs?: number;
}

/** Live counters of a synthetic audio source. */
export interface SyntheticAudioStats {
  packets: number;
  bytes: number;
  /** Packets skipped because the consumer was more than a second late. */
  skippedPackets: number;
}

/** Peak amplitudes (of 32767): a quiet tone, a loud beep. */
const TONE_AMPLITUDE = 0.06;
const BEEP_AMPLITUDE = 0.5;
/** A consumer later than this loses audio instead of receiving a backlog. */
const MAX_BACKLOG_MS = 1000;

/**
 * One second of the signal as big-endian L16: a quiet tone, with a loud beep over the
 * first `beepMs`. Whole-hertz tones repeat every second exactly, so the table loops
 * without a click and a sample's value depends only on its index within its second.
 */
export function buildSyntheticSecond(
  sampleRate: number,
  toneHz = 440,
  beepHz = 1000,
  beepMs = 100,
): Uint8Array {
  const bytes = new Uint8Array(sampleRate * 2);
  const beepSamples = Math.round((beepMs * sampleRate) / 1000);
  for (let n = 0; n < sampleRate; n++) {
    const beep = n < beepSamples;
    const value = Math.round(
      32767 *
        (beep ? BEEP_AMPLITUDE : TONE_AMPLITUDE) *
        Math.sin((2 * Math.PI * (beep ? beepHz : toneHz) * n) / sampleRate),
    );
    bytes[n * 2] = (value >> 8) & 0xff;
    bytes[n * 2 + 1] = value & 0xff;
  }
  return bytes;
}

/**
 * The default audio when nothing is attached: mono `audio/L16` (big-endian, RFC 2586), a
 * quiet 440 Hz tone with a loud 1 kHz beep of 100 ms starting exactly on each whole
 * second of the shared clock, the instant {@link syntheticCameraSource} shows its flash.
 *
 * Samples follow one continuous clock anchored to the epoch (sample `n` is at
 * `n * 1000 / sampleRate` ms); each packet holds `packetMs` of samples, its `timestamp`
 * is the instant of its first sample, and it is yielded once its last sample is due,
 * as a capture device would deliver it.
 *
 * @example
 * ```ts
 * for await (const packet of syntheticAudioSource({ sampleRate: 16000, signal })) hub.publish(packet);
 * ```
 * @throws SourceError `INVALID_OPTION` for a rate or packet length out of range.
 */
export function syntheticAudioSource(options: SyntheticAudioOptions = {}): PacketSource<SyntheticAudioStats> {
  const sampleRate = checkNumberOption('sampleRate', options.sampleRate ?? 16000, {
    min: 8000,
    max: 48000,
    integer: true,
  });
  const packetMs = checkNumberOption('packetMs', options.packetMs ?? 20, { min: 5, max: 200 });
  const samplesPerPacket = Math.max(1, Math.round((packetMs * sampleRate) / 1000));
  const second = buildSyntheticSecond(sampleRate, options.toneHz, options.beepHz, options.beepMs);
  const stats: SyntheticAudioStats = { packets: 0, bytes: 0, skippedPackets: 0 };
  const timeOf = (sample: number) => (sample * 1000) / sampleRate;

  async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    const { signal, onStatus } = options;
    if (signal?.aborted) return;
    onStatus?.({ state: 'open' });
    try {
      // The packet in progress now; integers stay exact up to 2^53 (~17 000 years at 16 kHz).
      let packet = Math.floor((nowMs() * sampleRate) / 1000 / samplesPerPacket);
      let seq = 0;
      while (!signal?.aborted) {
        let first = packet * samplesPerPacket;
        const end = timeOf(first + samplesPerPacket);
        if (!(await sleepUntil(end, signal))) break;
        const behind = nowMs() - end;
        if (behind > MAX_BACKLOG_MS) {
          const skip = Math.floor((behind * sampleRate) / 1000 / samplesPerPacket);
          stats.skippedPackets += skip;
          packet += skip;
          seq += skip;
          first = packet * samplesPerPacket;
        }
        const body = new Uint8Array(samplesPerPacket * 2);
        let offset = (first % sampleRate) * 2;
        for (let p = 0; p < body.length; ) {
          const take = Math.min(body.length - p, second.length - offset);
          body.set(second.subarray(offset, offset + take), p);
          p += take;
          offset = (offset + take) % second.length;
        }
        stats.packets++;
        stats.bytes += body.length;
        yield { type: 'audio/L16', body, timestamp: timeOf(first), seq: seq++, sampleRate, channels: 1 };
        packet++;
      }
    } finally {
      onStatus?.({ state: 'closed' });
    }
  }
  return Object.assign(run(), { stats });
}
