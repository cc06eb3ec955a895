import { concatBytes } from './concat.js';
import type { MediaPacket } from './media.js';

/**
 * A {@link MediaPacket} whose body came as pieces instead of one `Uint8Array`: views of the
 * chunks it arrived in, in order, never copied (what a parser's `pieces` form yields). For
 * consumers that take pieces: `new Blob(packet.pieces)`, a socket or file write per piece.
 *
 * The views stay valid as long as nobody reuses or modifies the chunks they point into
 * (`fetch` bodies, Node streams and sockets never do), and each keeps its whole chunk in
 * memory while held.
 */
export interface PiecesMediaPacket extends Omit<MediaPacket, 'body'> {
  /** The body: views of the received chunks, in order; `[]` for an empty body. */
  pieces: Uint8Array[];
  /** The body's length in bytes: the pieces' lengths summed. */
  bodyLength: number;
}

/** How a packet's body is held: one `Uint8Array` (the default) or pieces. */
export type PacketBodyForm = 'contiguous' | 'pieces';

/** The packet type for a body form: {@link PiecesMediaPacket} for `'pieces'`, else {@link MediaPacket}. */
export type PacketOf<F extends PacketBodyForm> = F extends 'pieces' ? PiecesMediaPacket : MediaPacket;

/**
 * A packet's body as one `Uint8Array`: `body` itself, the only piece as it is, or the pieces
 * joined into a new array (the one case that copies).
 */
export function contiguousBody(packet: MediaPacket | PiecesMediaPacket): Uint8Array {
  if (!('pieces' in packet)) return packet.body;
  const { pieces } = packet;
  if (pieces.length === 1) return pieces[0]!;
  return concatBytes(pieces, packet.bodyLength);
}
