import {
  CR,
  DASH,
  hasBytesAt,
  indexOfByte,
  indexOfBytes,
  indexOfBytesByFirstByte,
  LF,
  SPACE,
  TAB,
} from '@mjpeg-kit/bytes';
import type { MultipartStats } from './stats.js';

// Outcome of classifying one occurrence of the boundary.
const REJECT = 0;
const ACCEPT = 1;
const PENDING = 2;

/** Bytes before the boundary that a delimiter may use: CR LF - -. */
const LOOKBEHIND = 4;
/** Bytes after the boundary that decide whether it ends a line: `--`, or one of SP HT CR LF. */
const LOOKAHEAD = 2;
/**
 * Longest key the native search looks for: Node's `Buffer#indexOf` searches patterns under
 * 8 bytes linearly (memchr on the first byte, then a compare) to the end, while longer ones
 * switch to Boyer-Moore-Horspool after about 5 + 2 x length false hits, and in JPEG data that
 * happens within a few KiB: BMH's dependent skip loop then runs at ~7 GB/s, the linear search
 * at ~10 GB/s (one stop every ~250 bytes). Elsewhere the search is pure JS either way.
 */
const MAX_KEY_BYTES = 7;

/**
 * Finds delimiter lines in data written chunk by chunk: a preamble, the bytes skipped after a
 * part, or a body without a length. Only bytes that could begin a delimiter are kept between
 * chunks (the carry), and each search resumes where the last one stopped. While searching a
 * body it holds the body's chunks, so the body comes back as a view or one exact copy, or as
 * views of each chunk.
 *
 * A delimiter is the boundary followed by `--`, SP, HT, CR or LF (at the end of the stream, by
 * nothing), and preceded by two dashes (then anything: a missing CRLF is tolerated) or by a
 * line start (a delimiter sent without dashes, or a boundary declared with them). Each
 * tolerated form is counted in the shared stats.
 */
export class DelimiterSearch {
  /** Stream offset where the data being searched starts. */
  start = 0;
  /** Whether the data is a body (held, and a missing CRLF is counted), not skipped bytes. */
  inBody = false;
  /** Set when a delimiter is found: where the data before it ends (its CRLF excluded). */
  dataEnd = 0;
  /** Set when a delimiter is found: whether it closes the stream (`--B--`). */
  close = false;

  readonly #needle: Uint8Array;
  /** The needle's last MAX_KEY_BYTES bytes (all of it when shorter): what the native search looks for. */
  readonly #key: Uint8Array;
  /** Where the key starts in the needle: the bytes before it are compared after a key hit. */
  readonly #keyOffset: number;
  readonly #stats: MultipartStats;
  /** The last bytes of the data from earlier chunks: lookbehind and straddling matches. */
  readonly #carry: Uint8Array<ArrayBuffer>;
  #carryLength = 0;
  /** Whether the carry may hold the start of a boundary not classified yet. */
  #carryPending = false;
  readonly #seam: Uint8Array<ArrayBuffer>;
  /** Chunks (and their stream offsets) holding the body being searched. */
  #heldChunks: Uint8Array[] = [];
  #heldOffsets: number[] = [];
  #heldBytes = 0;

  /** @param needle The boundary's bytes. `stats` is the parser's, counted into. */
  constructor(needle: Uint8Array, stats: MultipartStats) {
    this.#needle = needle;
    this.#keyOffset = Math.max(0, needle.length - MAX_KEY_BYTES);
    this.#key = needle.subarray(this.#keyOffset);
    this.#stats = stats;
    const carryBytes = needle.length + LOOKBEHIND + LOOKAHEAD - 1;
    this.#carry = new Uint8Array(carryBytes);
    this.#seam = new Uint8Array(carryBytes + needle.length + LOOKAHEAD);
  }

  /** Bytes kept between calls: held body chunks and the carry. */
  get bufferedBytes(): number {
    return this.#heldBytes + this.#carryLength;
  }

  /** Starts on new data (a body when `inBody`) at stream offset `start`. */
  reset(start: number, inBody: boolean): void {
    this.start = start;
    this.inBody = inBody;
    this.#carryLength = 0;
    this.#carryPending = false;
  }

  /** Seeds the carry with one `-` that an earlier chunk ended with: a delimiter may start there. */
  carryDash(): void {
    this.#carry[0] = DASH;
    this.#carryLength = 1;
    this.#carryPending = true;
  }

  /**
   * Searches `chunk[index..]` for the next delimiter; `offset` is the stream offset of
   * `chunk[0]`. Holds the chunk while searching a body.
   *
   * @returns The stream offset of the delimiter's boundary ({@link dataEnd} and {@link close}
   *   set), or -1 when this chunk holds none: its tail is kept for the next call.
   */
  find(chunk: Uint8Array, offset: number, index: number): number {
    const needle = this.#needle;
    const needleLength = needle.length;
    const length = chunk.length;
    if (this.inBody) {
      this.#heldChunks.push(chunk);
      this.#heldOffsets.push(offset);
      this.#heldBytes += length;
    }

    // A boundary that started in an earlier chunk: search the seam (carry + this chunk's head).
    if (this.#carryPending) {
      const carryLength = this.#carryLength;
      const take = Math.min(length, needleLength + LOOKAHEAD);
      const seam = this.#seam;
      // A few dozen bytes: a loop beats making views (a Buffer's subarray is a JS call).
      const carry = this.#carry;
      for (let i = 0; i < carryLength; i++) seam[i] = carry[i]!;
      for (let i = 0; i < take; i++) seam[carryLength + i] = chunk[i]!;
      const seamLength = carryLength + take;
      let at = Math.max(0, carryLength - needleLength - LOOKAHEAD + 1);
      while (at < carryLength) {
        at = indexOfBytesByFirstByte(seam, needle, at);
        if (at === -1 || at >= carryLength || at + needleLength > seamLength) break;
        const result = this.#classify(offset - carryLength + at, chunk, offset, false);
        if (result === ACCEPT) return this.#found(offset - carryLength + at);
        if (result === PENDING) break;
        at++;
      }
    }

    // One native call per chunk for the key, then the bytes before it: see MAX_KEY_BYTES.
    const key = this.#key;
    const keyOffset = this.#keyOffset;
    let at = index; // the first offset in `chunk` where a boundary may still start
    for (;;) {
      const keyAt = indexOfBytes(chunk, key, at + keyOffset);
      if (keyAt === -1) break;
      at = keyAt - keyOffset;
      let matched = 0;
      while (matched < keyOffset && chunk[at + matched] === needle[matched]) matched++;
      if (matched === keyOffset) {
        const result = this.#classify(offset + at, chunk, offset, false);
        if (result === ACCEPT) return this.#found(offset + at);
        if (result === PENDING) break;
      }
      at++;
    }

    this.#keepCarry(chunk, index);
    return -1;
  }

  /**
   * After a chunk ending at stream offset `end` found no delimiter: the data before the
   * returned offset can no longer belong to a delimiter (settled), so limits apply to it.
   */
  settledEnd(end: number): number {
    return end - this.#needle.length - LOOKAHEAD + 1 - LOOKBEHIND;
  }

  /**
   * At the end of the stream (stream offset `end`): whether the data ends with a delimiter
   * whose line end never came, accepted there ({@link dataEnd} and {@link close} set).
   */
  findAtEnd(end: number): boolean {
    if (!this.#carryPending) return false;
    const needle = this.#needle;
    const needleLength = needle.length;
    const carry = this.#carry;
    const carryLength = this.#carryLength;
    const empty = new Uint8Array(0);
    for (
      let at = Math.max(0, carryLength - needleLength - LOOKAHEAD + 1);
      at + needleLength <= carryLength;
      at++
    ) {
      if (
        hasBytesAt(carry, at, needle) &&
        this.#classify(end - carryLength + at, empty, end, true) === ACCEPT
      )
        return true;
    }
    return false;
  }

  /** The body `[start, end)` from the held chunks: a view when one chunk holds it, else one copy. */
  takeHeld(start: number, end: number): Uint8Array {
    const chunks = this.#heldChunks;
    const offsets = this.#heldOffsets;
    let body: Uint8Array | undefined;
    for (let i = 0; i < chunks.length; i++) {
      const chunkStart = offsets[i]!;
      const chunk = chunks[i]!;
      if (start >= chunkStart && end <= chunkStart + chunk.length) {
        body = chunk.subarray(start - chunkStart, end - chunkStart);
        break;
      }
    }
    if (body === undefined) {
      const out = new Uint8Array(end - start);
      for (let i = 0; i < chunks.length; i++) {
        const chunkStart = offsets[i]!;
        const chunk = chunks[i]!;
        const from = Math.max(start, chunkStart);
        const to = Math.min(end, chunkStart + chunk.length);
        if (to <= from) continue;
        if (to - from === chunk.length) out.set(chunk, from - start);
        else
          out.set(
            new Uint8Array(chunk.buffer, chunk.byteOffset + from - chunkStart, to - from),
            from - start,
          );
      }
      body = out;
    }
    chunks.length = 0;
    offsets.length = 0;
    this.#heldBytes = 0;
    return body;
  }

  /**
   * The body `[start, end)` as views of the held chunks, in order, never copied (a chunk that
   * lies wholly inside it is handed over as it is).
   */
  takeHeldPieces(start: number, end: number): Uint8Array[] {
    const chunks = this.#heldChunks;
    const offsets = this.#heldOffsets;
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < chunks.length; i++) {
      const chunkStart = offsets[i]!;
      const chunk = chunks[i]!;
      const from = Math.max(start, chunkStart);
      const to = Math.min(end, chunkStart + chunk.length);
      if (to <= from) continue;
      pieces.push(to - from === chunk.length ? chunk : chunk.subarray(from - chunkStart, to - chunkStart));
    }
    chunks.length = 0;
    offsets.length = 0;
    this.#heldBytes = 0;
    return pieces;
  }

  /** Drops everything kept (after an error or the end). */
  release(): void {
    this.#heldChunks.length = 0;
    this.#heldOffsets.length = 0;
    this.#heldBytes = 0;
    this.#carryLength = 0;
  }

  /** A delimiter was accepted at stream offset `at`: the carry is done with. */
  #found(at: number): number {
    this.#carryLength = 0;
    this.#carryPending = false;
    return at;
  }

  /** The byte at stream offset `at`, from this chunk or the carry; -1 when not available. */
  #byteAt(at: number, chunk: Uint8Array, offset: number): number {
    if (at < this.start) return -1;
    if (at >= offset) return at - offset < chunk.length ? chunk[at - offset]! : -1;
    const carryIndex = at - offset + this.#carryLength;
    return carryIndex >= 0 ? this.#carry[carryIndex]! : -1;
  }

  /**
   * Decides whether the boundary found at stream offset `at` starts a delimiter line (see the
   * class comment); `atEnd` when the stream has ended, so nothing can follow the boundary.
   */
  #classify(at: number, chunk: Uint8Array, offset: number, atEnd: boolean): number {
    const needleEnd = at + this.#needle.length;
    const after = this.#byteAt(needleEnd, chunk, offset);
    let close = false;
    if (after === -1) {
      if (!atEnd) return PENDING;
    } else if (after === DASH) {
      const second = this.#byteAt(needleEnd + 1, chunk, offset);
      if (second === -1) {
        if (!atEnd) return PENDING;
      } else if (second !== DASH) {
        return REJECT;
      }
      close = true;
    } else if (after !== CR && after !== LF && after !== SPACE && after !== TAB) {
      return REJECT;
    }

    const start = this.start;
    let lineStart: number;
    let bare = false;
    if (this.#byteAt(at - 1, chunk, offset) === DASH && this.#byteAt(at - 2, chunk, offset) === DASH) {
      lineStart = at - 2;
    } else if (at === start || this.#byteAt(at - 1, chunk, offset) === LF) {
      lineStart = at;
      bare = true;
    } else {
      return REJECT;
    }

    // RFC 2046 §5.1.1: the CRLF before a delimiter line belongs to the delimiter.
    let dataEnd = lineStart;
    if (lineStart > start) {
      if (this.#byteAt(lineStart - 1, chunk, offset) === LF) {
        if (this.#byteAt(lineStart - 2, chunk, offset) === CR) {
          dataEnd = lineStart - 2;
        } else {
          dataEnd = lineStart - 1;
          this.#stats.lfOnlyLines++;
        }
      } else if (this.inBody) {
        this.#stats.missingCrlfBeforeDelimiter++;
      }
    }
    if (bare) this.#stats.bareDelimiters++;
    this.dataEnd = dataEnd;
    this.close = close;
    return ACCEPT;
  }

  /** Keeps the last bytes of `chunk[index..]` (after the older carry) for the next chunk. */
  #keepCarry(chunk: Uint8Array, index: number): void {
    const carry = this.#carry;
    const window = carry.length;
    const fresh = chunk.length - index;
    if (fresh >= window) {
      // Decided on the chunk itself: unless its tail may start a boundary, the next chunk
      // can only need the lookbehind bytes. A few bytes: a loop beats making a view.
      const pending = hasBoundaryStart(chunk, chunk.length, this.#needle);
      const keep = pending ? window : LOOKBEHIND;
      const from = chunk.length - keep;
      for (let i = 0; i < keep; i++) carry[i] = chunk[from + i]!;
      this.#carryLength = keep;
      this.#carryPending = pending;
      return;
    }
    const keep = Math.min(this.#carryLength, window - fresh);
    carry.copyWithin(0, this.#carryLength - keep, this.#carryLength);
    for (let i = 0; i < fresh; i++) carry[keep + i] = chunk[index + i]!;
    this.#carryLength = keep + fresh;
    this.#carryPending = hasBoundaryStart(carry, keep + fresh, this.#needle);
  }
}

/**
 * Whether `buffer[0..length)` ends with the start of a boundary occurrence not yet decided:
 * a proper prefix of `needle`, or the whole needle without its lookahead bytes.
 */
function hasBoundaryStart(buffer: Uint8Array, length: number, needle: Uint8Array): boolean {
  const needleLength = needle.length;
  const first = needle[0]!;
  for (let at = Math.max(0, length - needleLength - LOOKAHEAD + 1); ; at++) {
    at = indexOfByte(buffer, first, at);
    if (at === -1 || at >= length) return false;
    const end = Math.min(length, at + needleLength);
    let i = at + 1;
    while (i < end && buffer[i] === needle[i - at]) i++;
    if (i === end) return true;
  }
}
