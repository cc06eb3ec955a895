import {
  concatBytes,
  contiguousBody,
  formatTimestamp,
  type MediaPacket,
  type MediaType,
  type PiecesMediaPacket,
  parseTimestamp,
} from '@mjpeg-kit/bytes';
import { headers as createHeaders, type MsgHdrs } from '@nats-io/nats-core';

/** Header names on the bus. */
export const HEADER = {
  contentType: 'Content-Type',
  timestamp: 'X-Timestamp',
  seq: 'X-Frame-Seq',
  audioRate: 'X-Audio-Rate',
  audioChannels: 'X-Audio-Channels',
  piece: 'X-Piece',
  frameLength: 'X-Frame-Length',
  noFrame: 'X-No-Frame',
} as const;

/**
 * Bytes kept free in each message for its headers (name/value lines and the `NATS/1.0` line,
 * about 200 bytes in practice), so a piece plus headers stays under the server's `max_payload`.
 */
export const HEADER_ROOM = 1024;
/** Pieces in one frame at most, whatever the frame length says: bounds per-frame bookkeeping. */
export const MAX_PIECES = 4096;

const MEDIA_TYPES: ReadonlySet<string> = new Set<MediaType>(['image/jpeg', 'audio/L16', 'audio/PCMU']);

/** One message to publish: its headers and payload (a view, never a copy). */
export interface WireMessage {
  headers: MsgHdrs;
  payload: Uint8Array;
}

/**
 * The messages for one packet: one when the body fits `maxPieceBytes`, else numbered pieces
 * (`X-Piece: i/n`, `X-Frame-Length`) that are views of one body. A pieces-form body is joined
 * once (nats.js publishes one `Uint8Array` per message); the server, not this process, fans
 * it out to subscribers.
 */
export function packetMessages(
  packet: MediaPacket | PiecesMediaPacket,
  seq: number,
  maxPieceBytes: number,
): WireMessage[] {
  const body = contiguousBody(packet);
  const base = (): MsgHdrs => {
    const h = createHeaders();
    h.set(HEADER.contentType, packet.type);
    h.set(HEADER.timestamp, formatTimestamp(packet.timestamp));
    h.set(HEADER.seq, String(seq));
    if (packet.sampleRate !== undefined) h.set(HEADER.audioRate, String(packet.sampleRate));
    if (packet.channels !== undefined) h.set(HEADER.audioChannels, String(packet.channels));
    return h;
  };
  if (body.length <= maxPieceBytes) return [{ headers: base(), payload: body }];
  const count = Math.ceil(body.length / maxPieceBytes);
  const messages: WireMessage[] = [];
  for (let i = 0; i < count; i++) {
    const h = base();
    h.set(HEADER.piece, `${i + 1}/${count}`);
    h.set(HEADER.frameLength, String(body.length));
    messages.push({ headers: h, payload: body.subarray(i * maxPieceBytes, (i + 1) * maxPieceBytes) });
  }
  return messages;
}

/** A decoded message: the packet's metadata and, when it is a piece, where it belongs. */
export interface WireMeta {
  type: MediaType;
  timestamp: number;
  seq: number;
  sampleRate?: number;
  channels?: number;
  piece?: { index: number; count: number; total: number };
}

const UINT = /^\d{1,15}$/;

/** Reads a message's headers; `undefined` for anything malformed (counted by the caller, never thrown). */
export function readMeta(h: MsgHdrs | undefined): WireMeta | undefined {
  if (h === undefined) return undefined;
  const type = h.get(HEADER.contentType);
  if (!MEDIA_TYPES.has(type)) return undefined;
  const timestamp = parseTimestamp(h.get(HEADER.timestamp));
  const seqText = h.get(HEADER.seq);
  if (timestamp === undefined || !UINT.test(seqText)) return undefined;
  const meta: WireMeta = { type: type as MediaType, timestamp, seq: Number(seqText) };
  if (type !== 'image/jpeg') {
    const rate = h.get(HEADER.audioRate);
    const channels = h.get(HEADER.audioChannels);
    if (!UINT.test(rate) || !UINT.test(channels)) return undefined;
    meta.sampleRate = Number(rate);
    meta.channels = Number(channels);
    if (meta.sampleRate < 1 || meta.sampleRate > 384_000 || meta.channels < 1 || meta.channels > 16)
      return undefined;
  }
  const piece = h.get(HEADER.piece);
  if (piece !== '') {
    const m = /^(\d{1,6})\/(\d{1,6})$/.exec(piece);
    const total = h.get(HEADER.frameLength);
    if (m === null || !UINT.test(total)) return undefined;
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (index < 1 || index > count || count > MAX_PIECES) return undefined;
    meta.piece = { index, count, total: Number(total) };
  }
  return meta;
}

/** The packet for `meta` with `body`. */
export function toPacket(meta: WireMeta, body: Uint8Array): MediaPacket {
  const packet: MediaPacket = { type: meta.type, body, timestamp: meta.timestamp, seq: meta.seq };
  if (meta.sampleRate !== undefined) packet.sampleRate = meta.sampleRate;
  if (meta.channels !== undefined) packet.channels = meta.channels;
  return packet;
}

/** Reassembly counters, shared with the link stats. */
export interface ReassemblyCounters {
  framesDropped: number;
  piecesLost: number;
}

interface Pending {
  meta: WireMeta;
  parts: Uint8Array[];
  bytes: number;
  next: number;
  lastAt: number;
}

/**
 * Joins numbered pieces back into frames, for one stream of messages in publish order (NATS
 * keeps one publisher's order on a subject). A frame with a gap, a wrong length or a piece of
 * an unknown frame is dropped and counted, never returned broken. At most `maxPendingFrames`
 * frames of at most `maxFrameBytes` each are held, and one older than `pendingTimeoutMs`
 * since its last piece is dropped, so a flood of pieces that never completes stays bounded.
 */
export class Reassembler {
  readonly #pending = new Map<number, Pending>();
  /** Seqs already counted as dropped, so their remaining pieces are not counted again. */
  readonly #dropped: number[] = [];
  readonly #maxFrameBytes: number;
  readonly #maxPendingFrames: number;
  readonly #pendingTimeoutMs: number;
  readonly #counters: ReassemblyCounters;

  constructor(
    counters: ReassemblyCounters,
    maxFrameBytes: number,
    maxPendingFrames: number,
    pendingTimeoutMs = 2000,
  ) {
    this.#counters = counters;
    this.#maxFrameBytes = maxFrameBytes;
    this.#maxPendingFrames = maxPendingFrames;
    this.#pendingTimeoutMs = pendingTimeoutMs;
  }

  /** Bytes held in incomplete frames. */
  get pendingBytes(): number {
    let sum = 0;
    for (const p of this.#pending.values()) sum += p.bytes;
    return sum;
  }

  /** Incomplete frames held. */
  get pendingFrames(): number {
    return this.#pending.size;
  }

  /** The complete packet when `data` completes one (or is a whole one), else `undefined`. */
  push(meta: WireMeta, data: Uint8Array, now: number): MediaPacket | undefined {
    this.expire(now);
    const piece = meta.piece;
    if (piece === undefined) {
      if (data.length > this.#maxFrameBytes) {
        this.#counters.framesDropped++;
        return undefined;
      }
      this.#completed(meta.seq);
      return toPacket(meta, data);
    }
    let entry = this.#pending.get(meta.seq);
    if (piece.index === 1) {
      if (entry !== undefined) this.#drop(meta.seq, entry, entry.meta.piece!.count - entry.next + 1);
      if (piece.total > this.#maxFrameBytes || piece.total < piece.count - 1) {
        this.#markDropped(meta.seq);
        this.#counters.framesDropped++;
        return undefined;
      }
      while (this.#pending.size >= this.#maxPendingFrames) {
        const [oldSeq, oldest] = this.#pending.entries().next().value as [number, Pending];
        this.#drop(oldSeq, oldest, oldest.meta.piece!.count - oldest.next + 1);
      }
      entry = { meta, parts: [], bytes: 0, next: 1, lastAt: now };
      this.#pending.set(meta.seq, entry);
    } else if (entry === undefined) {
      // The frame's first piece never came (or the frame was already dropped).
      if (!this.#dropped.includes(meta.seq)) {
        this.#markDropped(meta.seq);
        this.#counters.framesDropped++;
        this.#counters.piecesLost += piece.index - 1;
      }
      return undefined;
    }
    const expected = entry.meta.piece!;
    if (piece.index !== entry.next || piece.count !== expected.count || piece.total !== expected.total) {
      this.#drop(meta.seq, entry, Math.max(1, piece.index - entry.next));
      return undefined;
    }
    entry.bytes += data.length;
    if (entry.bytes > expected.total) {
      this.#drop(meta.seq, entry, 0);
      return undefined;
    }
    entry.parts.push(data);
    entry.next++;
    entry.lastAt = now;
    if (entry.next <= expected.count) return undefined;
    this.#pending.delete(meta.seq);
    if (entry.bytes !== expected.total) {
      this.#markDropped(meta.seq);
      this.#counters.framesDropped++;
      return undefined;
    }
    this.#completed(meta.seq);
    return toPacket(entry.meta, concatBytes(entry.parts, entry.bytes));
  }

  /** Drops incomplete frames that got no piece for `pendingTimeoutMs`. */
  expire(now: number): void {
    for (const [seq, entry] of this.#pending) {
      if (now - entry.lastAt > this.#pendingTimeoutMs)
        this.#drop(seq, entry, entry.meta.piece!.count - entry.next + 1);
    }
  }

  /** Forgets everything held (after a reconnect the rest of a frame may never come). */
  clear(): void {
    for (const [seq, entry] of this.#pending)
      this.#drop(seq, entry, entry.meta.piece!.count - entry.next + 1);
  }

  /**
   * Frames with a lower seq than one that just completed can never complete: one publisher's
   * pieces come in order. (A restarted origin's lower seqs are bounded by the timeout instead.)
   */
  #completed(seq: number): void {
    for (const [other, entry] of this.#pending) {
      if (other < seq) this.#drop(other, entry, entry.meta.piece!.count - entry.next + 1);
    }
  }

  #drop(seq: number, _entry: Pending, lostPieces: number): void {
    this.#pending.delete(seq);
    this.#markDropped(seq);
    this.#counters.framesDropped++;
    this.#counters.piecesLost += lostPieces;
  }

  #markDropped(seq: number): void {
    this.#dropped.push(seq);
    if (this.#dropped.length > 32) this.#dropped.shift();
  }
}
