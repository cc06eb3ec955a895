import { Buffer } from 'node:buffer';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { encodeChunk } from '@mjpeg-kit/chunked';
import type { MultipartEncoder } from '@mjpeg-kit/frame-encoder';

/** Layout bit: wrap the part in one HTTP/1.1 chunk (else raw bytes for HTTP/1.0). */
export const LAYOUT_CHUNKED = 1;
/** Layout bit: add `Content-Size` beside `Content-Length` (`?legacy=1`). */
export const LAYOUT_LEGACY = 2;
/** Layout bit: the next part's headers follow the tail at once (`?advance_headers=1`). */
export const LAYOUT_ADVANCE = 4;
/** Number of distinct layouts (every combination of the bits above). */
export const LAYOUT_COUNT = 8;

/** The encoders a hub shares: one per header flavour, all with the hub's boundary. */
export interface PartEncoders {
  plain: MultipartEncoder;
  legacy: MultipartEncoder;
}

/**
 * A view of the same memory as a Node `Buffer`, made once per shared array so that writing
 * it to a thousand sockets does not wrap it a thousand times.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * One packet, encoded at most once per layout and shared by every viewer with that layout.
 * Each layout is built on first use, so a hub serving only HTTP/1.1 browsers never builds
 * the HTTP/1.0 or legacy bytes.
 */
export class EncodedPart {
  readonly packet: MediaPacket;
  readonly seq: number;
  /** When the hub received it (epoch ms). */
  readonly publishedAt: number;
  readonly #encoders: PartEncoders;
  /** Head, body and tail per layout without chunk framing (indexed by layout bits). */
  readonly #pieces: (Uint8Array[] | undefined)[] = new Array(LAYOUT_COUNT);
  readonly #wires: (Buffer | undefined)[] = new Array(LAYOUT_COUNT);

  constructor(packet: MediaPacket, seq: number, publishedAt: number, encoders: PartEncoders) {
    this.packet = packet;
    this.seq = seq;
    this.publishedAt = publishedAt;
    this.#encoders = encoders;
  }

  get timestamp(): number {
    return this.packet.timestamp;
  }

  /**
   * The bytes of this part in `layout` (a sum of `LAYOUT_*` bits), joined into one buffer, built
   * once and written to every viewer with that layout. One copy per frame (not per viewer) makes
   * each viewer's send a single `write()` instead of a corked `writev` of five pieces: Node's
   * per-write stream bookkeeping, not the kernel, was the hub's cost over a raw socket loop
   * (docs/benchmarks.md).
   */
  wire(layout: number): Buffer {
    let wire = this.#wires[layout];
    if (wire === undefined) {
      // Chunked and HTTP/1.0 viewers share the same heads: the chunk framing wraps the raw pieces.
      const pieces = this.#rawPieces(layout & ~LAYOUT_CHUNKED);
      wire = Buffer.concat(layout & LAYOUT_CHUNKED ? encodeChunk(pieces) : pieces);
      this.#wires[layout] = wire;
    }
    return wire;
  }

  #rawPieces(layout: number): Uint8Array[] {
    let pieces = this.#pieces[layout];
    if (pieces === undefined) {
      const encoder = layout & LAYOUT_LEGACY ? this.#encoders.legacy : this.#encoders.plain;
      const packet = this.packet.seq === this.seq ? this.packet : { ...this.packet, seq: this.seq };
      // Advance layout: the head is empty (the previous tail carried it), the tail announces the
      // next part, stamped with the time this frame was published.
      pieces = encoder.encodePacket(
        packet,
        layout & LAYOUT_ADVANCE ? { advanceHeaders: true, advanceTimestamp: this.publishedAt } : undefined,
      );
      this.#pieces[layout] = pieces;
    }
    return pieces;
  }
}
