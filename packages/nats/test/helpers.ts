import type { MediaPacket, PiecesMediaPacket } from '@mjpeg-kit/bytes';
import type { PacketPublisher } from '../src/index.js';

/** A minimal hub: what `publishToNats` needs from `MjpegHub`. */
export class TestHub implements PacketPublisher {
  readonly #listeners = new Set<(p: MediaPacket | PiecesMediaPacket) => void>();
  latestFrame: MediaPacket | undefined;

  subscribe(listener: (p: MediaPacket | PiecesMediaPacket) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(packet: MediaPacket): void {
    if (packet.type === 'image/jpeg') this.latestFrame = packet;
    for (const l of this.#listeners) l(packet);
  }
}

/** A body whose bytes depend on `seed`, so a mixed-up or truncated frame cannot compare equal. */
export function patterned(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function frame(seq: number, length = 2000, timestamp = 1_700_000_000_000 + seq * 33.333): MediaPacket {
  return { type: 'image/jpeg', body: patterned(length, seq), timestamp, seq };
}

/** Reads packets from `source` until `until` returns true or `timeoutMs` passes (then throws). */
export async function collect(
  source: AsyncIterator<MediaPacket>,
  until: (packets: MediaPacket[]) => boolean,
  timeoutMs = 10_000,
): Promise<MediaPacket[]> {
  const packets: MediaPacket[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!until(packets)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms with ${packets.length} packets`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      source.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`timed out after ${timeoutMs} ms with ${packets.length} packets`);
    if (r.done === true) break;
    packets.push(r.value);
  }
  return packets;
}

/** Polls `check` every 20 ms until true, or throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
