import { CR, DASH, LF } from '@mjpeg-kit/bytes';

// What the bytes right after a body taken by length say (LengthBody#confirm).
/** The first byte could start a delimiter; the next one decides. */
export const CONFIRM_PENDING = 0;
/** CRLF: the delimiter line comes next. */
export const CONFIRMED_CRLF = 1;
/** A bare LF, then `-` or the boundary's first byte: a delimiter line. */
export const CONFIRMED_LF = 2;
/** `--` right after the body: a delimiter without the CRLF before it. */
export const CONFIRMED_DASHES = 3;
/** Two bare LFs: the body's line end, then an empty line (before a delimiter, or in its place). */
export const CONFIRMED_BLANK_LINE = 4;
/** Anything else: the declared length was wrong. */
const LENGTH_LIED = 5;

/**
 * A body taken by its declared length (`Content-Length` or `Content-Size`), never scanned:
 * a view when it lies inside one chunk, else one buffer of exactly that length, allocated
 * once and filled chunk by chunk; or, as pieces, one view per chunk and no copy. Then the two
 * bytes after it must start a delimiter, which confirms the length, so the part can be
 * returned without waiting for the next delimiter.
 */
export class LengthBody {
  /** Stream offset of the body's first byte. */
  start = 0;
  /** The declared length, in bytes. */
  length = 0;
  /** Bytes of the body taken so far. */
  filled = 0;
  /** The first byte after the body once seen (CR, LF or `-`), else -1. */
  first = -1;
  /** The stream offset of that byte. */
  firstOffset = 0;

  /** The boundary's first byte: after a bare LF it starts a delimiter line without dashes. */
  readonly #boundaryStart: number;
  /** Whether the body is kept as views of the chunks ({@link takePieces}), not one buffer. */
  readonly #asPieces: boolean;
  #body: Uint8Array | undefined;
  #pieces: Uint8Array[] = [];

  constructor(boundaryStart: number, asPieces: boolean) {
    this.#boundaryStart = boundaryStart;
    this.#asPieces = asPieces;
  }

  /** Bytes kept between calls: the buffer being filled, or the views waiting for confirmation. */
  get bufferedBytes(): number {
    if (this.#asPieces) return this.#pieces.length > 0 ? this.filled : 0;
    return this.#body?.length ?? 0;
  }

  /** Starts a body of `length` bytes at stream offset `start`. */
  begin(start: number, length: number): void {
    this.start = start;
    this.length = length;
    this.#body = undefined;
    if (this.#pieces.length > 0) this.#pieces = [];
    this.filled = 0;
    this.first = -1;
  }

  /** Takes body bytes from `chunk[index..]`; returns the index after them (complete when `filled === length`). */
  fill(chunk: Uint8Array, index: number): number {
    const total = this.length;
    const available = chunk.length - index;
    if (this.#asPieces) {
      const take = Math.min(total - this.filled, available);
      if (take > 0) {
        this.#pieces.push(index === 0 && take === chunk.length ? chunk : chunk.subarray(index, index + take));
        this.filled += take;
      }
      return index + take;
    }
    let body = this.#body;
    if (body === undefined) {
      if (available >= total) {
        // The whole body lies in this chunk: a view, no copy.
        this.#body = chunk.subarray(index, index + total);
        this.filled = total;
        return index + total;
      }
      // Spans chunks: the size is known, so allocate once and fill.
      body = new Uint8Array(total);
      this.#body = body;
    }
    const filled = this.filled;
    const take = Math.min(total - filled, available);
    body.set(index === 0 && take === chunk.length ? chunk : chunk.subarray(index, index + take), filled);
    this.filled = filled + take;
    return index + take;
  }

  /**
   * Checks `byte`, at stream offset `at`, one of the two bytes right after the body: they
   * must start its delimiter (CRLF, `--`, or a bare LF then `-` or the boundary's first byte),
   * or be a bare LF and an empty line (LF LF).
   *
   * @returns `CONFIRM_PENDING`, one of the `CONFIRMED_…` outcomes, or `LENGTH_LIED`.
   */
  confirm(byte: number, at: number): number {
    const first = this.first;
    if (first === -1) {
      if (byte !== CR && byte !== LF && byte !== DASH) return LENGTH_LIED;
      this.first = byte;
      this.firstOffset = at;
      return CONFIRM_PENDING;
    }
    if (first === CR && byte === LF) return CONFIRMED_CRLF;
    if (first === LF && (byte === DASH || byte === this.#boundaryStart)) return CONFIRMED_LF;
    if (first === LF && byte === LF) return CONFIRMED_BLANK_LINE;
    if (first === DASH && byte === DASH) return CONFIRMED_DASHES;
    return LENGTH_LIED;
  }

  /** The body taken so far (empty for a declared length of 0), handed over and forgotten. */
  take(): Uint8Array {
    const body = this.#body ?? new Uint8Array(0);
    this.#body = undefined;
    return body;
  }

  /** The body's views so far (none for a declared length of 0), handed over and forgotten. */
  takePieces(): Uint8Array[] {
    const pieces = this.#pieces;
    this.#pieces = [];
    return pieces;
  }

  /** Drops the body (after an error or the end). */
  release(): void {
    this.#body = undefined;
    this.#pieces = [];
  }
}
