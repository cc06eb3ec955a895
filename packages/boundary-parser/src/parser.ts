import {
  CR,
  DASH,
  decodeLatin1,
  encodeAscii,
  escapeBytes,
  indexOfByte,
  indexOfBytes,
  indexOfBytesByFirstByte,
  LF,
  type PartHeaders,
  SPACE,
  TAB,
} from '@mjpeg-kit/bytes';
import { checkBoundary } from './content-type.js';
import { MultipartError } from './errors.js';
import { parseHeaderBlock } from './header-block.js';

/** Default `maxHeaderBytes`: 16 KiB per part header block. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
/** Default `maxPartBytes`: 32 MiB per body. */
export const DEFAULT_MAX_PART_BYTES = 32 * 1024 * 1024;
/** Default `maxHeaderLines`: 100 header lines per part. */
export const DEFAULT_MAX_HEADER_LINES = 100;
/** Default `maxPreambleBytes`: 64 KiB before the first delimiter. */
export const DEFAULT_MAX_PREAMBLE_BYTES = 64 * 1024;
/** Default `maxEpilogueBytes`: 64 KiB after a close delimiter. */
export const DEFAULT_MAX_EPILOGUE_BYTES = 64 * 1024;

/** One part of a multipart stream. */
export interface Part {
  /** The part's headers, case-insensitive, in wire order. */
  headers: PartHeaders;
  /** The `Content-Type` header, as sent. */
  contentType?: string;
  /**
   * The declared `Content-Length` (or legacy `Content-Size`) when it was a valid number.
   * `body.length` differs when the header lied (counted in `stats.lengthMismatches`).
   */
  contentLength?: number;
  /**
   * The body. A view of the written chunk when the body lay inside one chunk (valid as long
   * as the caller does not modify that chunk), otherwise a new exactly sized buffer.
   */
  body: Uint8Array;
}

/** Limits of {@link MultipartParser}; each is checked before bytes are kept. */
export interface MultipartParserOptions {
  /** Largest header block per part, in bytes (default 16 KiB). Error `HEADER_TOO_LARGE`. */
  maxHeaderBytes?: number;
  /** Largest body, declared or found, in bytes (default 32 MiB). Error `PART_TOO_LARGE`. */
  maxPartBytes?: number;
  /** Most header lines per part (default 100). Error `TOO_MANY_HEADERS`. */
  maxHeaderLines?: number;
  /** Most bytes before the first delimiter (default 64 KiB). Error `PREAMBLE_TOO_LARGE`. */
  maxPreambleBytes?: number;
  /** Most bytes after a close delimiter (default 64 KiB). Error `EPILOGUE_TOO_LARGE`. */
  maxEpilogueBytes?: number;
}

/** Live counters: what was read and every dialect that was tolerated. */
export interface MultipartStats {
  /** Parts returned. */
  parts: number;
  /** Parts whose body was taken by Content-Length / Content-Size, without scanning. */
  lengthParts: number;
  /** Parts whose body was found by searching for the delimiter. */
  searchedParts: number;
  /** Declared lengths the bytes after the body did not confirm: that part was searched instead. */
  lengthMismatches: number;
  /** Length headers that were not a number or disagreed with each other: ignored. */
  invalidLengths: number;
  /** Parts whose length came from the legacy `Content-Size` header. */
  legacyLengths: number;
  /** Delimiter and header lines ended by a bare LF instead of CRLF. */
  lfOnlyLines: number;
  /** Bytes skipped before the first delimiter. */
  preambleBytes: number;
  /** Bytes ignored after a close delimiter. */
  epilogueBytes: number;
  /** Bytes skipped between a part taken by length and the next delimiter. */
  skippedBytes: number;
  /** Delimiter lines without two dashes before the declared boundary. */
  bareDelimiters: number;
  /** Delimiter lines with transport padding (spaces, tabs) before their line end. */
  paddedDelimiters: number;
  /** Close delimiters (`--B--`). */
  closeDelimiters: number;
  /** Delimiters that followed the body without a line break. */
  missingCrlfBeforeDelimiter: number;
  /** A first part whose headers started the stream, without a delimiter line. */
  missingFirstDelimiter: number;
  /** Printable header lines without a colon, skipped. */
  skippedHeaderLines: number;
}

// Parser states: small integers (STYLE.md).
const FIRST = 0; // deciding: headers straight away, or a preamble
const SEEK = 1; // looking for a delimiter, skipping bytes
const TAIL = 2; // after the boundary on a delimiter line: padding, line end
const HEADERS = 3;
const BODY_LENGTH = 4; // taking a body by its declared length
const CONFIRM = 5; // checking the bytes right after a body taken by length
const BODY_SEARCH = 6; // searching for the delimiter that ends the body
const EPILOGUE = 7;
const ENDED = 8;

// What SEEK skips: a preamble, or bytes between a part taken by length and its delimiter.
const SEEK_PREAMBLE = 0;
const SEEK_AFTER_PART = 1;

// Outcome of classifying one occurrence of the boundary.
const REJECT = 0;
const ACCEPT = 1;
const PENDING = 2;

/** Bytes before the boundary that a delimiter may use: CR LF - -. */
const LOOKBEHIND = 4;
/** Bytes after the boundary that decide whether it ends a line: `--`, or one of SP HT CR LF. */
const LOOKAHEAD = 2;

/** `content-`: a stream that starts with this starts with headers, not a delimiter line. */
const HEADER_START = encodeAscii('content-');

function emptyStats(): MultipartStats {
  return {
    parts: 0,
    lengthParts: 0,
    searchedParts: 0,
    lengthMismatches: 0,
    invalidLengths: 0,
    legacyLengths: 0,
    lfOnlyLines: 0,
    preambleBytes: 0,
    epilogueBytes: 0,
    skippedBytes: 0,
    bareDelimiters: 0,
    paddedDelimiters: 0,
    closeDelimiters: 0,
    missingCrlfBeforeDelimiter: 0,
    missingFirstDelimiter: 0,
    skippedHeaderLines: 0,
  };
}

/**
 * Push parser for `multipart/x-mixed-replace` (and any `multipart/*`) streams: write chunks
 * of any size, split anywhere; get back the parts each chunk completed.
 *
 * A body with `Content-Length` (or `Content-Size`) is taken by length without scanning and
 * returned as soon as the bytes right after it (CRLF, LF or `--`) confirm it, without
 * waiting for the next delimiter. When they do not, the length lied: the part is found by
 * searching for the delimiter instead (`stats.lengthMismatches`). A body without a length is
 * found by searching for the delimiter across chunk edges, in O(bytes).
 *
 * Tolerated with default options, each counted in {@link MultipartStats}: bare-LF lines,
 * a boundary declared with or without leading `--`, delimiter lines without their dashes,
 * a preamble, transport padding, close delimiters and an epilogue, a missing CRLF before a
 * delimiter, and a first part that starts with its headers. There is no part-count limit:
 * live streams are endless. After an error, every call rethrows it.
 *
 * @example
 * ```ts
 * const parser = new MultipartParser(getBoundary(response.headers.get('content-type')!));
 * for await (const chunk of response.body!) {
 *   for (const part of parser.write(chunk)) show(part.body);
 * }
 * parser.end();
 * ```
 */
export class MultipartParser {
  /** Live counters; see {@link MultipartStats}. */
  readonly stats: MultipartStats = emptyStats();
  /** The boundary as given, verbatim. */
  readonly boundary: string;

  readonly #needle: Uint8Array<ArrayBuffer>;
  /** Bytes of the body searched per native call: see {@link findNeedle}. */
  readonly #searchWindow: number;
  readonly #maxHeaderBytes: number;
  readonly #maxPartBytes: number;
  readonly #maxHeaderLines: number;
  readonly #maxPreambleBytes: number;
  readonly #maxEpilogueBytes: number;

  #state = FIRST;
  #error: MultipartError | undefined;
  /** Bytes written so far: the stream offset of the next chunk. */
  #offset = 0;
  #parts: Part[] = [];

  // FIRST: the bytes compared with `content-` so far.
  readonly #firstBytes = new Uint8Array(HEADER_START.length);
  #firstCount = 0;
  #firstWithoutDelimiter = false;

  // SEEK and BODY_SEARCH: the delimiter search.
  #stateStart = 0;
  #seekKind = SEEK_PREAMBLE;
  /** The last bytes of this state's data from earlier chunks: lookbehind and straddling matches. */
  readonly #carry: Uint8Array<ArrayBuffer>;
  #carryLength = 0;
  /** Whether the carry may hold the start of a boundary not classified yet. */
  #carryPending = false;
  readonly #seam: Uint8Array<ArrayBuffer>;
  /** Set by #classify on ACCEPT: where the data before the delimiter ends. */
  #matchDataEnd = 0;
  #matchClose = false;
  /** Chunks (and their stream offsets) holding the body being searched. */
  #heldChunks: Uint8Array[] = [];
  #heldOffsets: number[] = [];
  #heldBytes = 0;

  // TAIL
  #tailCr = false;
  #tailPadding = 0;

  // HEADERS
  #headerStart = 0;
  #headerLines = 0;
  /** Bytes of the current header line seen in earlier chunks. */
  #lineLength = 0;
  /** Whether the current line so far is exactly CR. */
  #lineIsCr = false;
  #scratch: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #scratchLength = 0;

  // The part being read.
  #partHeaders: PartHeaders | undefined;
  #partContentType: string | undefined;
  #partContentLength: number | undefined;
  #bodyStart = 0;
  /** Parts whose body starts before this offset were replayed after a lying length: searched. */
  #replayEnd = 0;

  // BODY_LENGTH and CONFIRM
  #lengthBody: Uint8Array | undefined;
  #lengthFilled = 0;
  #confirmFirst = -1;
  #confirmOffset = 0;

  /**
   * @param boundary The boundary, as {@link getBoundary} returns it (leading dashes kept or not).
   * @throws {MultipartError} `BAD_BOUNDARY` when the boundary is empty, over 70 characters or
   *   holds control or non-ASCII characters.
   */
  constructor(boundary: string, options: MultipartParserOptions = {}) {
    checkBoundary(boundary);
    this.boundary = boundary;
    this.#needle = encodeAscii(boundary);
    this.#searchWindow = getSearchWindow(this.#needle.length);
    this.#maxHeaderBytes = limit(options.maxHeaderBytes, DEFAULT_MAX_HEADER_BYTES, 'maxHeaderBytes');
    this.#maxPartBytes = limit(options.maxPartBytes, DEFAULT_MAX_PART_BYTES, 'maxPartBytes');
    this.#maxHeaderLines = limit(options.maxHeaderLines, DEFAULT_MAX_HEADER_LINES, 'maxHeaderLines');
    this.#maxPreambleBytes = limit(options.maxPreambleBytes, DEFAULT_MAX_PREAMBLE_BYTES, 'maxPreambleBytes');
    this.#maxEpilogueBytes = limit(options.maxEpilogueBytes, DEFAULT_MAX_EPILOGUE_BYTES, 'maxEpilogueBytes');
    const window = this.#needle.length + LOOKBEHIND + LOOKAHEAD - 1;
    this.#carry = new Uint8Array(window);
    this.#seam = new Uint8Array(window + this.#needle.length + LOOKAHEAD);
  }

  /**
   * Bytes this parser keeps between calls (held body chunks, a body being filled, a header
   * block): at most the limit in force plus one chunk.
   */
  get bufferedBytes(): number {
    return this.#heldBytes + (this.#lengthBody?.length ?? 0) + this.#scratchLength + this.#carryLength;
  }

  /**
   * Parses the next chunk of the stream.
   *
   * @returns The parts this chunk completed, in order (often none, sometimes several). Bodies
   *   inside this chunk are views of it: do not modify the chunk while you use them.
   * @throws {MultipartError} on a limit or malformed input (see the README's error table);
   *   the same error again on every later call. When the chunk completed parts before the
   *   error, they are returned and the error is thrown by the next call.
   */
  write(chunk: Uint8Array): Part[] {
    if (this.#error !== undefined) throw this.#error;
    if (this.#state === ENDED) {
      throw this.#fail(new MultipartError('WRITE_AFTER_END', 'write() after end()'));
    }
    if (chunk.length === 0) return [];
    const offset = this.#offset;
    this.#offset = offset + chunk.length;
    try {
      this.#feed(chunk, offset, 0);
    } catch (error) {
      this.#fail(error);
      // Parts this chunk completed before the error are returned; the error comes next call.
      if (this.#parts.length === 0 || !(error instanceof MultipartError)) throw error;
    }
    const parts = this.#parts;
    if (parts.length > 0) this.#parts = [];
    return parts.length > 0 ? parts : [];
  }

  /**
   * Ends the stream. A clean end is one right after a complete part, a delimiter or a close
   * delimiter. A body taken by length that was complete but not yet confirmed is returned;
   * a searched body followed by its boundary at the very end is returned too.
   *
   * @returns The parts the end of the stream completed (at most one).
   * @throws {MultipartError} `TRUNCATED` (offset: the stream length) when the stream ended
   *   inside a part or before any delimiter.
   */
  end(): Part[] {
    if (this.#error !== undefined) throw this.#error;
    if (this.#state === ENDED) throw this.#fail(new MultipartError('WRITE_AFTER_END', 'end() after end()'));
    try {
      this.#finish();
    } catch (error) {
      throw this.#fail(error);
    }
    this.#state = ENDED;
    const parts = this.#parts;
    this.#parts = [];
    this.#release();
    return parts;
  }

  #fail(error: unknown): unknown {
    if (error instanceof MultipartError) {
      this.#error = error;
      this.#state = ENDED;
      this.#release();
    }
    return error;
  }

  #release(): void {
    this.#heldChunks.length = 0;
    this.#heldOffsets.length = 0;
    this.#heldBytes = 0;
    this.#lengthBody = undefined;
    this.#scratch = new Uint8Array(0);
    this.#scratchLength = 0;
    this.#carryLength = 0;
  }

  /** Runs the state machine over `chunk[index..]`; `offset` is the chunk's stream offset. */
  #feed(chunk: Uint8Array, offset: number, index: number): void {
    let length = chunk.length;
    while (index < length) {
      switch (this.#state) {
        case FIRST:
          index = this.#readFirst(chunk, offset, index);
          break;
        case SEEK:
        case BODY_SEARCH:
          index = this.#search(chunk, offset, index);
          break;
        case TAIL:
          index = this.#readTail(chunk, offset, index);
          break;
        case HEADERS:
          index = this.#readHeaders(chunk, offset, index);
          break;
        case BODY_LENGTH:
          index = this.#readLengthBody(chunk, index);
          break;
        case CONFIRM:
          index = this.#confirm(chunk, offset, index);
          if (index < 0) {
            // A length lied and the bytes before were replayed: go on with the rest of this
            // chunk as a chunk of its own, so the search carry stays contiguous.
            const resume = -1 - index;
            chunk = chunk.subarray(resume);
            offset += resume;
            index = 0;
            length = chunk.length;
          }
          break;
        case EPILOGUE: {
          const total = this.stats.epilogueBytes + (length - index);
          if (total > this.#maxEpilogueBytes) {
            const overflow = offset + index + (this.#maxEpilogueBytes - this.stats.epilogueBytes);
            this.stats.epilogueBytes = this.#maxEpilogueBytes;
            throw new MultipartError(
              'EPILOGUE_TOO_LARGE',
              `epilogue exceeds maxEpilogueBytes (${this.#maxEpilogueBytes})`,
              overflow,
            );
          }
          this.stats.epilogueBytes = total;
          index = length;
          break;
        }
        default:
          return;
      }
    }
  }

  // ── FIRST ────────────────────────────────────────────────────────────────────────────

  /**
   * At the start of the stream, tells a first part that starts with its headers (no
   * delimiter line) from a preamble or a delimiter: it starts with `Content-`.
   */
  #readFirst(chunk: Uint8Array, offset: number, index: number): number {
    const length = chunk.length;
    let count = this.#firstCount;
    let matched = true;
    while (index < length && count < HEADER_START.length) {
      let byte = chunk[index]!;
      if (byte >= 0x41 && byte <= 0x5a) byte |= 0x20;
      if (byte !== HEADER_START[count]) {
        matched = false;
        break;
      }
      this.#firstBytes[count++] = chunk[index]!;
      index++;
    }
    this.#firstCount = count;
    if (matched && count < HEADER_START.length) return index; // need more bytes to decide
    if (matched) {
      this.#firstWithoutDelimiter = true;
      this.#enterHeaders(0);
    } else {
      this.#enterSeek(SEEK_PREAMBLE, 0);
    }
    // Replay the bytes compared so far (they may come from earlier chunks), then go on.
    if (count > 0) {
      const consumedHere = Math.min(count, index);
      const earlier = count - consumedHere;
      if (earlier > 0) this.#feed(this.#firstBytes.slice(0, earlier), offset - earlier, 0);
      return index - consumedHere;
    }
    return index;
  }

  // ── SEEK and BODY_SEARCH: the delimiter search ──────────────────────────────────────

  #enterSeek(kind: number, start: number): void {
    this.#state = SEEK;
    this.#seekKind = kind;
    this.#stateStart = start;
    this.#carryLength = 0;
    this.#carryPending = false;
  }

  #enterBodySearch(start: number): void {
    this.#state = BODY_SEARCH;
    this.#bodyStart = start;
    this.#stateStart = start;
    this.#carryLength = 0;
    this.#carryPending = false;
  }

  /** The byte at stream offset `at`, from this chunk or the carry; -1 when not available. */
  #byteAt(at: number, chunk: Uint8Array, offset: number): number {
    if (at < this.#stateStart) return -1;
    if (at >= offset) return at - offset < chunk.length ? chunk[at - offset]! : -1;
    const carryIndex = at - offset + this.#carryLength;
    return carryIndex >= 0 ? this.#carry[carryIndex]! : -1;
  }

  /**
   * Decides whether the boundary found at stream offset `at` starts a delimiter line. It
   * must be followed by `--`, SP, HT, CR or LF (at the end of the stream, by nothing), and
   * preceded by two dashes (then anything: a missing CRLF is tolerated) or by a line start
   * (a delimiter sent without dashes, or a boundary declared with them).
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

    const start = this.#stateStart;
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
          this.stats.lfOnlyLines++;
        }
      } else if (this.#state === BODY_SEARCH) {
        this.stats.missingCrlfBeforeDelimiter++;
      }
    }
    if (bare) this.stats.bareDelimiters++;
    this.#matchDataEnd = dataEnd;
    this.#matchClose = close;
    return ACCEPT;
  }

  /** Searches `chunk[index..]` for the next delimiter; returns where to go on in `chunk`. */
  #search(chunk: Uint8Array, offset: number, index: number): number {
    const needle = this.#needle;
    const needleLength = needle.length;
    const length = chunk.length;
    if (this.#state === BODY_SEARCH) {
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
        if (result === ACCEPT) return this.#delimiterFound(offset, offset - carryLength + at);
        if (result === PENDING) break;
        at++;
      }
    }

    let at = index;
    for (;;) {
      at = findNeedle(chunk, needle, at, this.#searchWindow);
      if (at === -1) break;
      const result = this.#classify(offset + at, chunk, offset, false);
      if (result === ACCEPT) return this.#delimiterFound(offset, offset + at);
      if (result === PENDING) break;
      at++;
    }

    this.#keepCarry(chunk, index);
    // Bytes that can no longer be part of a delimiter are settled: check the limit on them.
    const settledEnd = offset + length - needleLength - LOOKAHEAD + 1 - LOOKBEHIND;
    this.#checkSkipped(settledEnd);
    return length;
  }

  /** Throws when the data before any delimiter still to come already exceeds its limit. */
  #checkSkipped(dataEnd: number): void {
    const start = this.#stateStart;
    if (this.#state === BODY_SEARCH) {
      if (dataEnd - start > this.#maxPartBytes) throw this.#partTooLarge(start);
    } else if (this.#seekKind === SEEK_PREAMBLE) {
      if (dataEnd - start > this.#maxPreambleBytes) {
        throw new MultipartError(
          'PREAMBLE_TOO_LARGE',
          `no delimiter within maxPreambleBytes (${this.#maxPreambleBytes}) of the stream start`,
          start + this.#maxPreambleBytes,
        );
      }
    } else if (dataEnd - start > this.#maxPartBytes) {
      throw this.#partTooLarge(start);
    }
  }

  #partTooLarge(start: number): MultipartError {
    return new MultipartError(
      'PART_TOO_LARGE',
      `part body exceeds maxPartBytes (${this.#maxPartBytes})`,
      start + this.#maxPartBytes,
    );
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

  /** A delimiter line starts in this chunk's data: finish the body or the skip, go on after the boundary. */
  #delimiterFound(offset: number, at: number): number {
    const dataEnd = this.#matchDataEnd;
    const start = this.#stateStart;
    if (this.#state === BODY_SEARCH) {
      if (dataEnd - start > this.#maxPartBytes) throw this.#partTooLarge(start);
      const body = this.#takeHeld(start, dataEnd);
      this.stats.searchedParts++;
      this.#emit(body);
    } else {
      this.#checkSkipped(dataEnd);
      if (this.#seekKind === SEEK_PREAMBLE) this.stats.preambleBytes += dataEnd - start;
      else this.stats.skippedBytes += dataEnd - start;
    }
    this.#carryLength = 0;
    this.#carryPending = false;
    const needleEnd = at + this.#needle.length;
    if (this.#matchClose) {
      this.stats.closeDelimiters++;
      this.#state = EPILOGUE;
      return needleEnd + 2 - offset;
    }
    this.#state = TAIL;
    this.#tailCr = false;
    this.#tailPadding = 0;
    return needleEnd - offset;
  }

  /** The body `[start, end)` from the held chunks: a view when one chunk holds it, else one copy. */
  #takeHeld(start: number, end: number): Uint8Array {
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

  // ── TAIL: the rest of a delimiter line ───────────────────────────────────────────────

  #readTail(chunk: Uint8Array, offset: number, index: number): number {
    const length = chunk.length;
    while (index < length) {
      const byte = chunk[index]!;
      if (this.#tailCr) {
        if (byte !== LF) throw this.#malformedDelimiter(chunk, offset, index);
        this.#enterHeaders(offset + index + 1);
        return index + 1;
      }
      if (byte === SPACE || byte === TAB) {
        // RFC 2046 §5.1.1 transport padding.
        if (this.#tailPadding === 0) this.stats.paddedDelimiters++;
        if (++this.#tailPadding > this.#maxHeaderBytes) {
          throw new MultipartError(
            'HEADER_TOO_LARGE',
            `delimiter padding exceeds maxHeaderBytes (${this.#maxHeaderBytes})`,
            offset + index,
          );
        }
      } else if (byte === CR) {
        this.#tailCr = true;
      } else if (byte === LF) {
        this.stats.lfOnlyLines++;
        this.#enterHeaders(offset + index + 1);
        return index + 1;
      } else {
        throw this.#malformedDelimiter(chunk, offset, index);
      }
      index++;
    }
    return index;
  }

  #malformedDelimiter(chunk: Uint8Array, offset: number, index: number): MultipartError {
    return new MultipartError(
      'MALFORMED_DELIMITER',
      `delimiter line continues with "${escapeBytes(chunk, index)}", expected padding and a line end`,
      offset + index,
    );
  }

  // ── HEADERS ──────────────────────────────────────────────────────────────────────────

  #enterHeaders(start: number): void {
    this.#state = HEADERS;
    this.#headerStart = start;
    this.#headerLines = 0;
    this.#lineLength = 0;
    this.#lineIsCr = false;
    this.#scratchLength = 0;
  }

  #readHeaders(chunk: Uint8Array, offset: number, index: number): number {
    const length = chunk.length;
    const headerStart = this.#headerStart;
    const maxEnd = headerStart + this.#maxHeaderBytes; // stream offset the block may reach
    let lineStart = index;
    for (;;) {
      const lineFeed = indexOfByte(chunk, LF, lineStart);
      if (lineFeed === -1 || offset + lineFeed >= maxEnd) {
        if (offset + length > maxEnd) {
          throw new MultipartError(
            'HEADER_TOO_LARGE',
            `part header exceeds maxHeaderBytes (${this.#maxHeaderBytes})`,
            maxEnd,
          );
        }
        const rest = length - lineStart;
        this.#lineIsCr =
          this.#lineLength + rest === 1 && (rest === 0 ? this.#lineIsCr : chunk[lineStart] === CR);
        this.#lineLength += rest;
        this.#keepHeaderBytes(chunk, index, length);
        return length;
      }
      const inChunk = lineFeed - lineStart;
      const lineLength = this.#lineLength + inChunk;
      const blank =
        lineLength === 0 || (lineLength === 1 && (inChunk === 1 ? chunk[lineStart] === CR : this.#lineIsCr));
      if (blank) {
        const blockEnd = lineFeed + 1;
        let text: string;
        if (this.#scratchLength === 0) {
          text = decodeLatin1(chunk, index, blockEnd);
        } else {
          this.#keepHeaderBytes(chunk, index, blockEnd);
          text = decodeLatin1(this.#scratch, 0, this.#scratchLength);
          this.#scratchLength = 0;
        }
        this.#headersDone(text, offset + blockEnd);
        return blockEnd;
      }
      if (++this.#headerLines > this.#maxHeaderLines) {
        throw new MultipartError(
          'TOO_MANY_HEADERS',
          `part has more than maxHeaderLines (${this.#maxHeaderLines}) header lines`,
          offset + lineFeed - lineLength,
        );
      }
      this.#lineLength = 0;
      this.#lineIsCr = false;
      lineStart = lineFeed + 1;
    }
  }

  /** Copies header bytes that span chunks into the scratch buffer (bounded by maxHeaderBytes). */
  #keepHeaderBytes(chunk: Uint8Array, from: number, to: number): void {
    const needed = this.#scratchLength + (to - from);
    if (needed > this.#scratch.length) {
      const grown = new Uint8Array(
        Math.min(Math.max(needed, this.#scratch.length * 2, 256), this.#maxHeaderBytes),
      );
      grown.set(this.#scratch.subarray(0, this.#scratchLength));
      this.#scratch = grown;
    }
    this.#scratch.set(chunk.subarray(from, to), this.#scratchLength);
    this.#scratchLength = needed;
  }

  #headersDone(text: string, bodyStart: number): void {
    const block = parseHeaderBlock(text, this.#headerStart);
    const stats = this.stats;
    stats.lfOnlyLines += block.lfOnlyLines;
    stats.skippedHeaderLines += block.skippedLines;
    if (this.#firstWithoutDelimiter) {
      this.#firstWithoutDelimiter = false;
      if (block.contentType?.toLowerCase().startsWith('multipart/')) {
        // The response headers repeated inside the body: a preamble, not a part.
        stats.preambleBytes += bodyStart - this.#headerStart;
        this.#enterSeek(SEEK_PREAMBLE, bodyStart);
        return;
      }
      stats.missingFirstDelimiter++;
    }
    if (block.invalidLength) stats.invalidLengths++;
    this.#partHeaders = block.headers;
    this.#partContentType = block.contentType;
    const contentLength = block.contentLength;
    this.#partContentLength = contentLength;
    if (contentLength === undefined || bodyStart < this.#replayEnd) {
      this.#enterBodySearch(bodyStart);
      return;
    }
    if (block.legacyLength) stats.legacyLengths++;
    if (contentLength > this.#maxPartBytes) {
      throw new MultipartError(
        'PART_TOO_LARGE',
        `part declares ${contentLength} bytes, over maxPartBytes (${this.#maxPartBytes})`,
        bodyStart + this.#maxPartBytes,
      );
    }
    this.#state = BODY_LENGTH;
    this.#bodyStart = bodyStart;
    this.#lengthBody = undefined;
    this.#lengthFilled = 0;
  }

  // ── BODY_LENGTH and CONFIRM ──────────────────────────────────────────────────────────

  #readLengthBody(chunk: Uint8Array, index: number): number {
    const total = this.#partContentLength!;
    const available = chunk.length - index;
    let body = this.#lengthBody;
    if (body === undefined) {
      if (available >= total) {
        // The whole body lies in this chunk: a view, no copy.
        this.#lengthBody = chunk.subarray(index, index + total);
        this.#lengthFilled = total;
        this.#enterConfirm();
        return index + total;
      }
      // Spans chunks: the size is known, so allocate once and fill.
      body = new Uint8Array(total);
      this.#lengthBody = body;
    }
    const filled = this.#lengthFilled;
    const take = Math.min(total - filled, available);
    body.set(index === 0 && take === chunk.length ? chunk : chunk.subarray(index, index + take), filled);
    this.#lengthFilled = filled + take;
    if (filled + take === total) this.#enterConfirm();
    return index + take;
  }

  #enterConfirm(): void {
    this.#state = CONFIRM;
    this.#confirmFirst = -1;
  }

  /**
   * The two bytes right after a body taken by length must start its delimiter: CRLF, `--`,
   * or a bare LF followed by `-` or the boundary's first byte. Then the part is returned at
   * once; otherwise the length lied and the body is searched.
   */
  #confirm(chunk: Uint8Array, offset: number, index: number): number {
    const byte = chunk[index]!;
    const first = this.#confirmFirst;
    if (first === -1) {
      if (byte === CR || byte === LF || byte === DASH) {
        this.#confirmFirst = byte;
        this.#confirmOffset = offset + index;
        return index + 1;
      }
      return this.#lengthLied(offset, index);
    }
    if (first === CR && byte === LF) {
      this.#lengthPartDone();
      this.#enterSeek(SEEK_AFTER_PART, offset + index + 1);
      return index + 1;
    }
    if (first === LF && (byte === DASH || byte === this.#needle[0])) {
      // A bare LF, then the start of a delimiter line (dashes, or the boundary itself).
      this.stats.lfOnlyLines++;
      this.#lengthPartDone();
      this.#enterSeek(SEEK_AFTER_PART, offset + index);
      return index;
    }
    if (first === DASH && byte === DASH) {
      this.stats.missingCrlfBeforeDelimiter++;
      this.#lengthPartDone();
      // The dashes start the delimiter line: search from the first one.
      const dashAt = this.#confirmOffset;
      this.#enterSeek(SEEK_AFTER_PART, dashAt);
      if (dashAt >= offset) return dashAt - offset;
      this.#carry[0] = DASH;
      this.#carryLength = 1;
      this.#carryPending = true;
      return index;
    }
    return this.#lengthLied(offset, index);
  }

  #lengthPartDone(): void {
    const body = this.#lengthBody!;
    this.#lengthBody = undefined;
    this.stats.lengthParts++;
    this.#emit(body);
  }

  /**
   * The declared length was wrong: search this part's body for its delimiter instead. The
   * bytes taken so far are replayed (parts inside them are searched, their lengths ignored,
   * so replays never nest and each byte is replayed at most once); returns where to go on in
   * `chunk`, encoded as `-1 - index` so #feed can tell it from a plain index.
   */
  #lengthLied(offset: number, index: number): number {
    this.stats.lengthMismatches++;
    const body = this.#lengthBody!;
    const bodyStart = this.#bodyStart;
    const first = this.#confirmFirst;
    const firstOffset = this.#confirmOffset;
    let resume = index;
    if (first !== -1 && firstOffset >= offset) resume = firstOffset - offset;
    this.#lengthBody = undefined;
    this.#replayEnd = offset + resume;
    this.#enterBodySearch(bodyStart);
    this.#feed(body, bodyStart, 0);
    if (first !== -1 && firstOffset < offset) this.#feed(Uint8Array.of(first), firstOffset, 0);
    return -1 - resume;
  }

  #emit(body: Uint8Array): void {
    this.stats.parts++;
    this.#parts.push({
      headers: this.#partHeaders!,
      contentType: this.#partContentType,
      contentLength: this.#partContentLength,
      body,
    });
  }

  // ── end() ────────────────────────────────────────────────────────────────────────────

  #finish(): void {
    const end = this.#offset;
    switch (this.#state) {
      case FIRST:
        if (this.#firstCount > 0) throw truncated(end, 'before any delimiter');
        return;
      case SEEK:
        if (this.#seekKind === SEEK_AFTER_PART) {
          if (!this.#boundaryAtEnd()) this.stats.skippedBytes += end - this.#stateStart;
          return;
        }
        if (this.#boundaryAtEnd()) return;
        if (end > 0) throw truncated(end, 'before any delimiter');
        return;
      case TAIL:
      case EPILOGUE:
        return;
      case HEADERS:
        if (end > this.#headerStart) throw truncated(end, 'inside part headers');
        return;
      case BODY_LENGTH:
        if (this.#partContentLength === 0) {
          this.#lengthBody = new Uint8Array(0);
          this.#lengthPartDone();
          return;
        }
        throw truncated(end, `inside a body (${this.#lengthFilled} of ${this.#partContentLength} bytes)`);
      case CONFIRM:
        // The body is complete by its declared length; the stream just ended before its delimiter.
        this.#lengthPartDone();
        return;
      case BODY_SEARCH:
        if (this.#boundaryAtEnd()) return;
        throw truncated(end, 'inside a body');
    }
  }

  /** Whether the stream ends with a delimiter whose line end never came (accepted at the end). */
  #boundaryAtEnd(): boolean {
    if (!this.#carryPending) return false;
    const needleLength = this.#needle.length;
    const carryLength = this.#carryLength;
    const empty = new Uint8Array(0);
    for (
      let at = Math.max(0, carryLength - needleLength - LOOKAHEAD + 1);
      at + needleLength <= carryLength;
      at++
    ) {
      let matched = true;
      for (let i = 0; i < needleLength; i++) {
        if (this.#carry[at + i] !== this.#needle[i]) {
          matched = false;
          break;
        }
      }
      if (!matched) continue;
      const result = this.#classify(this.#offset - carryLength + at, empty, this.#offset, true);
      if (result !== ACCEPT) continue;
      if (this.#state === BODY_SEARCH) {
        const body = this.#takeHeld(this.#stateStart, this.#matchDataEnd);
        this.stats.searchedParts++;
        this.#emit(body);
      } else if (this.#seekKind === SEEK_AFTER_PART) {
        this.stats.skippedBytes += this.#matchDataEnd - this.#stateStart;
      } else {
        this.stats.preambleBytes += this.#matchDataEnd - this.#stateStart;
      }
      if (this.#matchClose) this.stats.closeDelimiters++;
      return true;
    }
    return false;
  }
}

/**
 * Index of `needle` in `chunk` at or after `from`, or -1, searched natively window by window.
 * Node's `Buffer#indexOf` (what `indexOfBytes` calls) starts each search with memchr on the
 * needle's first byte and, after about 5 + 2 x needle length false hits, switches to
 * Boyer-Moore-Horspool for the rest of the call: in JPEG data the first byte recurs every
 * ~256 bytes, so after a few KiB every search runs BMH, whose byte-by-byte skip loop is
 * slower (~7 GB/s here) than memchr with a compare per hit (~10 GB/s). Windows shorter than
 * that switch point keep each call on memchr. Elsewhere the search is pure JS either way.
 */
function findNeedle(chunk: Uint8Array, needle: Uint8Array, from: number, maxWindow: number): number {
  const length = chunk.length;
  const rest = length - from;
  if (rest <= maxWindow) return indexOfBytes(chunk, needle, from);
  // Equal windows, as few as maxWindow allows: a 16 KiB chunk takes two calls, not three.
  const window = Math.ceil(rest / Math.ceil(rest / maxWindow));
  const needleLength = needle.length;
  let at = from;
  for (;;) {
    const end = at + window + needleLength - 1;
    if (end >= length) return indexOfBytes(chunk, needle, at);
    const found = indexOfBytes(new Uint8Array(chunk.buffer, chunk.byteOffset, end), needle, at);
    if (found !== -1) return found;
    at += window;
  }
}

function truncated(offset: number, where: string): MultipartError {
  return new MultipartError('TRUNCATED', `stream ended ${where}`, offset);
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

/**
 * Most start positions searched per native call for a needle of `needleLength` bytes:
 * below where Node's search gives up memchr in JPEG data (see {@link findNeedle}), 8.4 KiB
 * for a 22-byte boundary (measured best among 2-16 KiB). Node searches needles under 7
 * bytes with memchr throughout: no windows.
 */
export function getSearchWindow(needleLength: number): number {
  return needleLength < 7 ? Number.POSITIVE_INFINITY : (2 * needleLength + 5) * 176;
}

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number >= 0`);
  return Math.floor(value);
}
