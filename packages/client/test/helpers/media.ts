import { readFileSync } from 'node:fs';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { concatBytes } from '@mjpeg-kit/bytes';

const vectors = new URL('../vectors/', import.meta.url);

/** Four real 48×32 baseline JPEG frames (ffmpeg testsrc), ~1.1 KiB each. */
export const FRAMES: Uint8Array[] = [1, 2, 3, 4].map(
  (n) => new Uint8Array(readFileSync(new URL(`frame${n}.jpg`, vectors))),
);

export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
export const bytes = (...pieces: (string | Uint8Array)[]): Uint8Array =>
  concatBytes(pieces.map((piece) => (typeof piece === 'string' ? ascii(piece) : piece)));

/** Hex of `data`: cheap to compare, and a failing diff still shows the bytes. */
export const hex = (data: Uint8Array): string =>
  Buffer.from(data.buffer, data.byteOffset, data.length).toString('hex');

/** What a test compares of a packet. */
export interface PacketSummary {
  type: string;
  body: string;
  seq?: number;
  sampleRate?: number;
  channels?: number;
}

/** What a test compares of a packet: type, the body bytes (as hex), and audio/sequence fields. */
export function summary(packet: MediaPacket): PacketSummary {
  return {
    type: packet.type,
    body: hex(packet.body),
    ...(packet.seq !== undefined && { seq: packet.seq }),
    ...(packet.sampleRate !== undefined && { sampleRate: packet.sampleRate }),
    ...(packet.channels !== undefined && { channels: packet.channels }),
  };
}

/** Expected frame packets for `frames`. */
export function jpegSummaries(frames: Uint8Array[], seqs?: number[]): PacketSummary[] {
  return frames.map((frame, i) => ({
    type: 'image/jpeg',
    body: hex(frame),
    ...(seqs && { seq: seqs[i]! }),
  }));
}
