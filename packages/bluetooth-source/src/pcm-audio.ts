import {
  type ByteSource,
  type LifecycleOptions,
  type MediaPacket,
  nowMs,
  type PacketSource,
  readChunks,
  sleepUntil,
} from '@mjpeg-kit/bytes';
import { checkNumberOption } from './options.js';

/** Byte order of 16-bit input samples. */
export type ByteOrder = 'little' | 'big';

/** Options of {@link PcmPacketizer}. */
export interface PcmPacketizerOptions {
  /** Samples per second per channel (default 8000: CVSD SCO; mSBC is 16000). */
  sampleRate?: number;
  /** Interleaved channels (default 1). */
  channels?: number;
  /** Packet duration in ms (default 20). */
  packetMs?: number;
  /** Input byte order (default `'little'`, as ALSA's S16_LE). */
  inputByteOrder?: ByteOrder;
}

/**
 * Cuts 16-bit PCM bytes of any chunking into packets of a fixed duration in big-endian
 * byte order (`audio/L16`, RFC 2586 §4). A sample split across chunks is carried over;
 * `push` returns the packets a chunk completed, each a new buffer.
 */
export class PcmPacketizer {
  /** Bytes per output packet. */
  readonly packetBytes: number;
  /** Samples per channel in each packet. */
  readonly samplesPerPacket: number;
  readonly sampleRate: number;
  readonly channels: number;
  private readonly swap: boolean;
  private packet: Uint8Array<ArrayBuffer>;
  private filled = 0;

  constructor(options: PcmPacketizerOptions = {}) {
    this.sampleRate = checkNumberOption('sampleRate', options.sampleRate ?? 8000, {
      min: 1000,
      max: 192_000,
    });
    this.channels = checkNumberOption('channels', options.channels ?? 1, { min: 1, max: 8, integer: true });
    const packetMs = checkNumberOption('packetMs', options.packetMs ?? 20, { min: 1, max: 1000 });
    this.samplesPerPacket = Math.max(1, Math.round((packetMs * this.sampleRate) / 1000));
    this.packetBytes = this.samplesPerPacket * this.channels * 2;
    this.swap = (options.inputByteOrder ?? 'little') === 'little';
    this.packet = new Uint8Array(this.packetBytes);
  }

  /** Bytes held for the next packet (whole and partial samples). */
  get bufferedBytes(): number {
    return this.filled;
  }

  /** Adds input bytes; returns the packets they completed. */
  push(chunk: Uint8Array): Uint8Array<ArrayBuffer>[] {
    const out: Uint8Array<ArrayBuffer>[] = [];
    let i = 0;
    while (i < chunk.length) {
      const take = Math.min(chunk.length - i, this.packetBytes - this.filled);
      const packet = this.packet;
      if (this.swap) {
        // Packets hold whole samples, so a byte at packet offset p belongs at p ^ 1 when
        // swapping, whatever chunk boundary split its sample.
        for (let k = 0; k < take; k++) packet[(this.filled + k) ^ 1] = chunk[i + k]!;
      } else {
        packet.set(chunk.subarray(i, i + take), this.filled);
      }
      this.filled += take;
      i += take;
      if (this.filled === this.packetBytes) {
        out.push(packet);
        this.packet = new Uint8Array(this.packetBytes);
        this.filled = 0;
      }
    }
    return out;
  }

  /**
   * Ends the input: returns the whole sample frames still held as a short packet (or
   * `undefined`), dropping a trailing partial sample.
   */
  flush(): Uint8Array<ArrayBuffer> | undefined {
    const frameBytes = this.channels * 2;
    const whole = this.filled - (this.filled % frameBytes);
    this.filled = 0;
    if (whole === 0) return undefined;
    return this.packet.slice(0, whole);
  }
}

/** Options of {@link pcmAudioSource}. */
export interface PcmAudioOptions extends PcmPacketizerOptions, LifecycleOptions {
  /** 16-bit PCM bytes: a capture pipe, a file, stdin. */
  input: ByteSource;
  /**
   * The source owns `input`: when the read ends early (abort, `break`), the stream is
   * cancelled or the iterator `return()`ed, so a file or pipe it opened is freed. Default
   * `false`: `input` is only released, never destroyed, so it can be read again (stdin after
   * an idle stop), and an abort ends the source at once even while a read is pending.
   */
  closeInput?: boolean;
  /**
   * Yield each packet no earlier than its last sample's instant (default `false`): set it
   * for a file, which reads faster than real time.
   */
  realtime?: boolean;
}

/** Live counters of a PCM source. */
export interface PcmAudioStats {
  packets: number;
  bytes: number;
  /** Times the clock was re-anchored after the input stalled. */
  resyncs: number;
}

/** When input lags the clock by more than this, timestamps restart from now. */
const RESYNC_MS = 250;

/**
 * SCO (or any) 16-bit PCM from a byte stream as `audio/L16` packets of `packetMs`.
 *
 * Timestamps follow a sample clock anchored on the monotonic clock when the first bytes
 * arrive (minus the duration they hold), so packets are evenly spaced; if the input
 * stalls by more than 250 ms the clock re-anchors (counted in `stats.resyncs`). A short
 * last packet holding the remaining whole samples is yielded when the input ends.
 *
 * @example
 * ```ts
 * // arecord -D bluealsa:PROFILE=sco -f S16_LE -r 8000 -c 1 -t raw | node app.js
 * for await (const packet of pcmAudioSource({ input: stdinStream, sampleRate: 8000, signal })) hub.publish(packet);
 * ```
 */
export function pcmAudioSource(options: PcmAudioOptions): PacketSource<PcmAudioStats> {
  const packetizer = new PcmPacketizer(options);
  const { sampleRate, channels } = packetizer;
  const bytesPerMs = (sampleRate * channels * 2) / 1000;
  const stats: PcmAudioStats = { packets: 0, bytes: 0, resyncs: 0 };

  async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    const { signal, onStatus, realtime = false } = options;
    if (signal?.aborted) return;
    let anchor: number | undefined;
    let samples = 0;
    let seq = 0;
    const packetFor = (body: Uint8Array<ArrayBuffer>): MediaPacket => {
      const timestamp = anchor! + (samples * 1000) / sampleRate;
      samples += body.length / (channels * 2);
      stats.packets++;
      stats.bytes += body.length;
      return { type: 'audio/L16', body, timestamp, seq: seq++, sampleRate, channels };
    };
    onStatus?.({ state: 'open' });
    try {
      for await (const chunk of readChunks(options.input, { signal, close: options.closeInput })) {
        const now = nowMs();
        const held = packetizer.bufferedBytes + chunk.length;
        if (anchor === undefined) {
          // Live capture: the bytes held were sampled before now. A file (realtime) starts now.
          anchor = realtime ? now : now - held / bytesPerMs;
        } else if (
          !realtime &&
          now - (anchor + (samples * 1000) / sampleRate) - held / bytesPerMs > RESYNC_MS
        ) {
          // The capture stalled: the next sample was taken just now, not where the clock says.
          anchor = now - held / bytesPerMs - (samples * 1000) / sampleRate;
          stats.resyncs++;
        }
        for (const body of packetizer.push(chunk)) {
          const packet = packetFor(body);
          if (realtime && !(await sleepUntil(packet.timestamp + body.length / bytesPerMs, signal))) return;
          yield packet;
        }
      }
      if (signal?.aborted) return;
      const rest = packetizer.flush();
      if (rest && anchor !== undefined) yield packetFor(rest);
    } finally {
      onStatus?.({ state: 'closed' });
    }
  }
  return Object.assign(run(), { stats });
}
