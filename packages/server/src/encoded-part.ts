import { Buffer } from 'node:buffer';
import { contiguousBody, type MediaPacket, type PiecesMediaPacket } from '@mjpeg-kit/bytes';
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
 *
 * A packet whose body came as pieces (a relayed upstream's parts, never copied by the parser)
 * goes into each layout's wire buffer piece by piece: that join is the frame's one copy. A
 * contiguous body (for a snapshot, the JPEG size) is joined only when first asked for.
 */
export class EncodedPart {
  /** The packet as published: `body`, or `pieces`. */
  readonly published: MediaPacket | PiecesMediaPacket;
  readonly seq: number;
  /** When the hub received it (epoch ms). */
  readonly publishedAt: number;
  readonly #encoders: PartEncoders;
  /** Head, body and tail per layout without chunk framing (indexed by layout bits). */
  readonly #pieces: (Uint8Array[] | undefined)[] = new Array(LAYOUT_COUNT);
  readonly #wires: (Buffer | undefined)[] = new Array(LAYOUT_COUNT);
  #contiguous: MediaPacket | undefined;

  constructor(
    packet: MediaPacket | PiecesMediaPacket,
    seq: number,
    publishedAt: number,
    encoders: PartEncoders,
  ) {
    this.published = packet;
    this.seq = seq;
    this.publishedAt = publishedAt;
    this.#encoders = encoders;
    if (!('pieces' in packet)) this.#contiguous = packet;
  }

  /**
   * The packet with one contiguous `body`: the published one, or (for pieces) a copy whose
   * body is the pieces joined, once, on the first call.
   */
  get packet(): MediaPacket {
    if (this.#contiguous === undefined) {
      const { pieces: _pieces, bodyLength: _bodyLength, ...fields } = this.published as PiecesMediaPacket;
      this.#contiguous = { ...fields, body: contiguousBody(this.published) };
    }
    return this.#contiguous;
  }

  /** The body's length in bytes, without joining pieces. */
  get bodyLength(): number {
    const published = this.published;
    return 'pieces' in published ? published.bodyLength : published.body.length;
  }

  get timestamp(): number {
    return this.published.timestamp;
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
      const published = this.published;
      const packet = published.seq === this.seq ? published : { ...published, seq: this.seq };
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
