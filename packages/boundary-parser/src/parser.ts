import { CR, encodeAscii, escapeBytes, LF, type PartHeaders, SPACE, TAB } from '@mjpeg-kit/bytes';
import { checkBoundary } from './content-type.js';
import { DelimiterSearch } from './delimiter-search.js';
import { MultipartError } from './errors.js';
import { parseHeaderBlock } from './header-block.js';
import { HeaderReader } from './header-reader.js';
import {
  CONFIRM_PENDING,
  CONFIRMED_BLANK_LINE,
  CONFIRMED_CRLF,
  CONFIRMED_DASHES,
  CONFIRMED_LF,
  LengthBody,
} from './length-body.js';
import {
  type BodyForm,
  type MultipartLimits,
  type MultipartParserOptions,
  readBodyForm,
  readLimits,
} from './options.js';
import { createStats, type MultipartStats } from './stats.js';

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

/** A part whose body came back as pieces (`bodies: 'pieces'`): the same fields, no `body`. */
export interface PiecesPart extends Omit<Part, 'body'> {
  /**
   * The body as views of the chunks given to `write()`, in order, never copied: one view when
   * the body lay inside one chunk, none when it is empty. They share memory with those chunks,
   * so they stay valid as long as the caller does not reuse or modify them (`fetch` and Node
   * sockets never do), and each keeps its whole chunk in memory while it is referenced.
   */
  pieces: Uint8Array[];
  /** The body's length in bytes: the pieces' lengths summed. */
  bodyLength: number;
}

/** The part type for a body form: {@link PiecesPart} for `'pieces'`, else {@link Part}. */
export type PartOf<F extends BodyForm> = F extends 'pieces' ? PiecesPart : Part;

// Parser states: small integers, which V8 stores unboxed and compares cheaply in the hot loop.
const FIRST = 0; // deciding: headers straight away, or a preamble
const SEEK = 1; // looking for a delimiter, skipping bytes
const TAIL = 2; // after the boundary on a delimiter line: padding, line end
const HEADERS = 3;
const BODY_LENGTH = 4; // taking a body by its declared length
const CONFIRM = 5; // checking the bytes right after a body taken by length
const BODY_SEARCH = 6; // searching for the delimiter that ends the body
const EPILOGUE = 7;
const ENDED = 8;
const AFTER_PART = 9; // after a body taken by length and its line end: an empty line and headers?

// What SEEK skips: a preamble, or bytes between a part taken by length and its delimiter.
const SEEK_PREAMBLE = 0;
const SEEK_AFTER_PART = 1;

/**
 * `content-`: a stream that starts with this starts with headers, not a delimiter line; so does
 * a part whose delimiter line was replaced by an empty line.
 */
const HEADER_START = encodeAscii('content-');

// Outcome of comparing bytes with HEADER_START (#compareHeaderStart).
const MATCH_PENDING = 0;
const MATCH_FOUND = 1;
const MATCH_FAILED = 2;

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
 * delimiter, a first part that starts with its headers, and later parts whose delimiter line
 * is an empty line (`…body\r\n\r\nContent-Type: …`; such a part needs a `Content-Length`, or
 * `MISSING_DELIMITER` is thrown). There is no part-count limit: live streams are endless.
 * After an error, every call rethrows it.
 *
 * Bodies come back as `part.body`, one `Uint8Array`, or with `{ bodies: 'pieces' }` as
 * `part.pieces`, views of the written chunks that are never copied (see {@link BodyForm}).
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
export class MultipartParser<F extends BodyForm = 'contiguous'> {
  /** Live counters; see {@link MultipartStats}. */
  readonly stats: MultipartStats = createStats();
  /** The boundary as given, verbatim. */
  readonly boundary: string;

  readonly #limits: MultipartLimits;
  /** Whether bodies come back as pieces (views, no copy) rather than one `Uint8Array`. */
  readonly #asPieces: boolean;
  /** The boundary's length in bytes (it is ASCII). */
  readonly #needleLength: number;
  readonly #delimiters: DelimiterSearch;
  readonly #headers: HeaderReader;
  readonly #length: LengthBody;

  #state = FIRST;
  #error: MultipartError | undefined;
  /** Bytes written so far: the stream offset of the next chunk. */
  #offset = 0;
  #parts: (Part | PiecesPart)[] = [];

  // FIRST and AFTER_PART: the bytes compared so far (they may come from earlier chunks), the
  // stream offset of the first one, and how the comparison with `content-` went.
  readonly #matchBytes = new Uint8Array(2 + HEADER_START.length);
  #matchCount = 0;
  #matchStart = 0;
  #matchOutcome = MATCH_PENDING;
  /** AFTER_PART: bytes of the empty line (CR LF or LF) once its LF came, else -1. */
  #blankLineBytes = -1;
  #firstWithoutDelimiter = false;
  /** The part whose headers are being read had an empty line instead of its delimiter line. */
  #delimiterMissing = false;

  // SEEK
  #seekKind = SEEK_PREAMBLE;

  // TAIL
  #tailCr = false;
  #tailPadding = 0;

  // The part being read.
  #partHeaders: PartHeaders | undefined;
  #partContentType: string | undefined;
  #partContentLength: number | undefined;
  /** The chunk (and index in it) holding the first byte after a body taken by length. */
  #afterBodyChunk: Uint8Array | undefined;
  #afterBodyIndex = 0;
  /** Stream offset of the headers of the part being read when it had no delimiter line, else -1. */
  #undelimitedStart = -1;
  /** Parts whose body starts before this offset were replayed after a lying length: searched. */
  #replayEnd = 0;

  /**
   * @param boundary The boundary, as {@link getBoundary} returns it (leading dashes kept or not).
   * @param options Limits, and `bodies: 'pieces'` for bodies as views (typing the parts
   *   {@link PiecesPart}).
   * @throws {MultipartError} `BAD_BOUNDARY` when the boundary is empty, over 70 characters or
   *   holds control or non-ASCII characters.
   * @throws MultipartError `INVALID_OPTION` on a limit that is negative, `NaN` or infinite, or an
   *   unknown `bodies`.
   */
  constructor(boundary: string, options: MultipartParserOptions<F> = {}) {
    checkBoundary(boundary);
    this.boundary = boundary;
    const needle = encodeAscii(boundary);
    this.#needleLength = needle.length;
    this.#limits = readLimits(options);
    this.#asPieces = readBodyForm(options);
    this.#delimiters = new DelimiterSearch(needle, this.stats);
    this.#headers = new HeaderReader(this.#limits.maxHeaderBytes, this.#limits.maxHeaderLines);
    this.#length = new LengthBody(needle[0]!, this.#asPieces);
  }

  /**
   * Bytes this parser keeps between calls (held body chunks, a body being filled, a header
   * block): at most the limit in force plus one chunk.
   */
  get bufferedBytes(): number {
    return this.#delimiters.bufferedBytes + this.#length.bufferedBytes + this.#headers.bufferedBytes;
  }

  /**
   * Parses the next chunk of the stream.
   *
   * @returns The parts this chunk completed, in order (often none, sometimes several). Bodies
   *   inside this chunk are views of it, and pieces always are views of the chunks written: do
   *   not modify a chunk while you use them.
   * @throws {MultipartError} on a limit or malformed input (see the README's error table);
   *   the same error again on every later call. When the chunk completed parts before the
   *   error, they are returned and the error is thrown by the next call.
   */
  write(chunk: Uint8Array): PartOf<F>[] {
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
    return (parts.length > 0 ? parts : []) as PartOf<F>[];
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
  end(): PartOf<F>[] {
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
    return parts as PartOf<F>[];
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
    this.#afterBodyChunk = undefined;
    this.#delimiters.release();
    this.#length.release();
    this.#headers.release();
  }

  /** Runs the state machine over `chunk[index..]`; `offset` is the chunk's stream offset. */
  #feed(chunk: Uint8Array, offset: number, index: number): void {
    let length = chunk.length;
    while (index < length) {
      switch (this.#state) {
        case FIRST:
          index = this.#readFirst(chunk, offset, index);
          break;
        case AFTER_PART:
          index = this.#readAfterPart(chunk, offset, index);
          break;
        case SEEK:
        case BODY_SEARCH:
          index = this.#search(chunk, offset, index);
          break;
        case TAIL:
          index = this.#readTail(chunk, offset, index);
          break;
        case HEADERS: {
          const end = this.#headers.read(chunk, offset, index);
          if (end === -1) return;
          this.#headersDone(this.#headers.text, offset + end);
          index = end;
          break;
        }
        case BODY_LENGTH:
          index = this.#length.fill(chunk, index);
          if (this.#length.filled === this.#length.length) this.#state = CONFIRM;
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
          const maxEpilogueBytes = this.#limits.maxEpilogueBytes;
          const total = this.stats.epilogueBytes + (length - index);
          if (total > maxEpilogueBytes) {
            const overflow = offset + index + (maxEpilogueBytes - this.stats.epilogueBytes);
            this.stats.epilogueBytes = maxEpilogueBytes;
            throw new MultipartError(
              'EPILOGUE_TOO_LARGE',
              `epilogue exceeds maxEpilogueBytes (${maxEpilogueBytes})`,
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

  // ── FIRST and AFTER_PART: parts that start with their headers ──────────────────────

  /**
   * At the start of the stream, tells a first part that starts with its headers (no
   * delimiter line) from a preamble or a delimiter: it starts with `Content-`.
   */
  #readFirst(chunk: Uint8Array, offset: number, index: number): number {
    index = this.#compareHeaderStart(chunk, index, 0);
    if (this.#matchOutcome === MATCH_PENDING) return index;
    if (this.#matchOutcome === MATCH_FOUND) {
      this.#firstWithoutDelimiter = true;
      this.#enterHeaders(0);
    } else {
      this.#enterSeek(SEEK_PREAMBLE, 0);
    }
    return this.#replayMatch(offset, 0);
  }

  /** After a body taken by length and its line end, at stream offset `start`. */
  #enterAfterPart(start: number): void {
    this.#state = AFTER_PART;
    this.#matchStart = start;
    this.#matchCount = 0;
    this.#matchOutcome = MATCH_PENDING;
    this.#blankLineBytes = -1;
  }

  /**
   * Some cameras (Axis firmwares) send the delimiter line before the first part only, and an
   * empty line in its place before every later one. After a part taken by length, an empty
   * line and then `Content-` start such a part; anything else is searched for a delimiter.
   */
  #readAfterPart(chunk: Uint8Array, offset: number, index: number): number {
    const length = chunk.length;
    while (this.#blankLineBytes === -1) {
      if (index === length) return index;
      const byte = chunk[index]!;
      if (byte === LF) this.#blankLineBytes = this.#matchCount + 1;
      else if (byte !== CR || this.#matchCount > 0) return this.#noHeadersAfterPart(offset);
      this.#matchBytes[this.#matchCount++] = byte;
      index++;
    }
    index = this.#compareHeaderStart(chunk, index, this.#blankLineBytes);
    if (this.#matchOutcome === MATCH_PENDING) return index;
    if (this.#matchOutcome === MATCH_FAILED) return this.#noHeadersAfterPart(offset);
    const headerStart = this.#matchStart + this.#blankLineBytes;
    if (this.#blankLineBytes === 1) this.stats.lfOnlyLines++;
    this.#delimiterMissing = true;
    this.#enterHeaders(headerStart);
    return this.#replayMatch(offset, headerStart);
  }

  /** Not a part without its delimiter: search the bytes from the body's line end on. */
  #noHeadersAfterPart(offset: number): number {
    this.#enterSeek(SEEK_AFTER_PART, this.#matchStart);
    return this.#replayMatch(offset, this.#matchStart);
  }

  /**
   * Compares `chunk[index..]` with `content-` (any letter case), the first `prefix` bytes of
   * the match being other bytes; sets {@link #matchOutcome}. Returns the index after the bytes
   * that matched (the byte that did not match is not taken).
   */
  #compareHeaderStart(chunk: Uint8Array, index: number, prefix: number): number {
    const length = chunk.length;
    const bytes = this.#matchBytes;
    let count = this.#matchCount;
    const end = prefix + HEADER_START.length;
    while (count < end) {
      if (index === length) {
        this.#matchCount = count;
        return index;
      }
      const raw = chunk[index]!;
      const byte = raw >= 0x41 && raw <= 0x5a ? raw | 0x20 : raw;
      if (byte !== HEADER_START[count - prefix]) {
        this.#matchCount = count;
        this.#matchOutcome = MATCH_FAILED;
        return index;
      }
      bytes[count++] = raw;
      index++;
    }
    this.#matchCount = count;
    this.#matchOutcome = MATCH_FOUND;
    return index;
  }

  /**
   * The state that takes over after a comparison goes on from stream offset `from`: the bytes
   * compared in earlier chunks are fed to it again (a copy of at most 10 bytes); returns where
   * to go on in the chunk at stream offset `offset`.
   */
  #replayMatch(offset: number, from: number): number {
    if (from < offset) {
      const start = this.#matchStart;
      this.#feed(this.#matchBytes.slice(from - start, offset - start), from, 0);
      return 0;
    }
    return from - offset;
  }

  // ── SEEK and BODY_SEARCH: the delimiter search (delimiter-search.ts) ───────────────

  #enterSeek(kind: number, start: number): void {
    this.#state = SEEK;
    this.#seekKind = kind;
    this.#delimiters.reset(start, false);
  }

  #enterBodySearch(start: number): void {
    this.#state = BODY_SEARCH;
    this.#delimiters.reset(start, true);
  }

  /** Searches `chunk[index..]` for the next delimiter; returns where to go on in `chunk`. */
  #search(chunk: Uint8Array, offset: number, index: number): number {
    const delimiters = this.#delimiters;
    const at = delimiters.find(chunk, offset, index);
    if (at !== -1) return this.#delimiterFound(offset, at);
    // Bytes that can no longer be part of a delimiter are settled: check the limit on them.
    this.#checkSkipped(delimiters.settledEnd(offset + chunk.length));
    return chunk.length;
  }

  /** Throws when the data before any delimiter still to come already exceeds its limit. */
  #checkSkipped(dataEnd: number): void {
    const start = this.#delimiters.start;
    const { maxPartBytes, maxPreambleBytes } = this.#limits;
    if (this.#state === BODY_SEARCH) {
      if (dataEnd - start > maxPartBytes) throw this.#partTooLarge(start);
    } else if (this.#seekKind === SEEK_PREAMBLE) {
      if (dataEnd - start > maxPreambleBytes) {
        throw new MultipartError(
          'PREAMBLE_TOO_LARGE',
          `no delimiter within maxPreambleBytes (${maxPreambleBytes}) of the stream start`,
          start + maxPreambleBytes,
        );
      }
    } else if (dataEnd - start > maxPartBytes) {
      throw this.#partTooLarge(start);
    }
  }

  #partTooLarge(start: number): MultipartError {
    const maxPartBytes = this.#limits.maxPartBytes;
    return new MultipartError(
      'PART_TOO_LARGE',
      `part body exceeds maxPartBytes (${maxPartBytes})`,
      start + maxPartBytes,
    );
  }

  /** A delimiter line starts in this chunk's data: finish the body or the skip, go on after the boundary. */
  #delimiterFound(offset: number, at: number): number {
    const delimiters = this.#delimiters;
    const dataEnd = delimiters.dataEnd;
    const start = delimiters.start;
    if (this.#state === BODY_SEARCH) {
      if (dataEnd - start > this.#limits.maxPartBytes) throw this.#partTooLarge(start);
      this.stats.searchedParts++;
      this.#emitHeld(start, dataEnd);
    } else {
      this.#checkSkipped(dataEnd);
      if (this.#seekKind === SEEK_PREAMBLE) this.stats.preambleBytes += dataEnd - start;
      else this.stats.skippedBytes += dataEnd - start;
    }
    const needleEnd = at + this.#needleLength;
    if (delimiters.close) {
      this.stats.closeDelimiters++;
      this.#state = EPILOGUE;
      return needleEnd + 2 - offset;
    }
    this.#state = TAIL;
    this.#tailCr = false;
    this.#tailPadding = 0;
    return needleEnd - offset;
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
        if (++this.#tailPadding > this.#limits.maxHeaderBytes) {
          throw new MultipartError(
            'HEADER_TOO_LARGE',
            `delimiter padding exceeds maxHeaderBytes (${this.#limits.maxHeaderBytes})`,
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

  // ── HEADERS (header-reader.ts, header-block.ts) ──────────────────────────────────────

  #enterHeaders(start: number): void {
    this.#state = HEADERS;
    this.#headers.reset(start);
  }

  #headersDone(text: string, bodyStart: number): void {
    const block = parseHeaderBlock(text, this.#headers.start);
    const stats = this.stats;
    stats.lfOnlyLines += block.lfOnlyLines;
    stats.skippedHeaderLines += block.skippedLines;
    this.#undelimitedStart = -1;
    if (this.#delimiterMissing) {
      this.#delimiterMissing = false;
      // With no delimiter to search for, only a length can end the body.
      if (block.contentLength === undefined) {
        throw this.#missingDelimiter('no Content-Length', this.#headers.start);
      }
      this.#undelimitedStart = this.#headers.start;
      stats.missingDelimiters++;
    }
    if (this.#firstWithoutDelimiter) {
      this.#firstWithoutDelimiter = false;
      if (block.contentType?.toLowerCase().startsWith('multipart/')) {
        // The response headers repeated inside the body: a preamble, not a part.
        stats.preambleBytes += bodyStart - this.#headers.start;
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
    const maxPartBytes = this.#limits.maxPartBytes;
    if (contentLength > maxPartBytes) {
      throw new MultipartError(
        'PART_TOO_LARGE',
        `part declares ${contentLength} bytes, over maxPartBytes (${maxPartBytes})`,
        bodyStart + maxPartBytes,
      );
    }
    this.#state = BODY_LENGTH;
    this.#length.begin(bodyStart, contentLength);
  }

  // ── BODY_LENGTH and CONFIRM (length-body.ts) ────────────────────────────────────────

  /**
   * The two bytes right after a body taken by length must start its delimiter (see
   * {@link LengthBody.confirm}). Then the part is returned at once; otherwise the length lied
   * and the body is searched.
   */
  #confirm(chunk: Uint8Array, offset: number, index: number): number {
    const length = this.#length;
    switch (length.confirm(chunk[index]!, offset + index)) {
      case CONFIRM_PENDING:
        // Kept so a lying length can replay this byte from its own chunk (a view, no copy).
        this.#afterBodyChunk = chunk;
        this.#afterBodyIndex = index;
        return index + 1;
      case CONFIRMED_CRLF:
        this.#lengthPartDone();
        this.#enterAfterPart(offset + index + 1);
        return index + 1;
      case CONFIRMED_BLANK_LINE:
        // A bare LF ended the body; the second LF is an empty line, read again after the part.
        this.stats.lfOnlyLines++;
        this.#lengthPartDone();
        this.#enterAfterPart(offset + index);
        return index;
      case CONFIRMED_LF:
        // A bare LF, then the start of a delimiter line (dashes, or the boundary itself).
        this.stats.lfOnlyLines++;
        this.#lengthPartDone();
        this.#enterSeek(SEEK_AFTER_PART, offset + index);
        return index;
      case CONFIRMED_DASHES: {
        this.stats.missingCrlfBeforeDelimiter++;
        this.#lengthPartDone();
        // The dashes start the delimiter line: search from the first one.
        const dashAt = length.firstOffset;
        this.#enterSeek(SEEK_AFTER_PART, dashAt);
        if (dashAt >= offset) return dashAt - offset;
        this.#delimiters.carryDash();
        return index;
      }
      default:
        return this.#lengthLied(offset, index);
    }
  }

  #lengthPartDone(): void {
    this.stats.lengthParts++;
    this.#afterBodyChunk = undefined;
    const length = this.#length;
    if (this.#asPieces) this.#emitPieces(length.takePieces(), length.length);
    else this.#emit(length.take());
  }

  /**
   * The declared length was wrong: search this part's body for its delimiter instead. The
   * bytes taken so far are replayed (parts inside them are searched, their lengths ignored,
   * so replays never nest and each byte is replayed at most once); returns where to go on in
   * `chunk`, encoded as `-1 - index` so #feed can tell it from a plain index.
   */
  #lengthLied(offset: number, index: number): number {
    this.stats.lengthMismatches++;
    if (this.#undelimitedStart !== -1) {
      throw this.#missingDelimiter(
        `a Content-Length (${this.#length.length}) that is wrong`,
        this.#undelimitedStart,
      );
    }
    const length = this.#length;
    const bodyStart = length.start;
    const first = length.first;
    const firstOffset = length.firstOffset;
    let resume = index;
    if (first !== -1 && firstOffset >= offset) resume = firstOffset - offset;
    this.#replayEnd = offset + resume;
    this.#enterBodySearch(bodyStart);
    if (this.#asPieces) {
      let at = bodyStart;
      for (const piece of length.takePieces()) {
        this.#feed(piece, at, 0);
        at += piece.length;
      }
    } else {
      this.#feed(length.take(), bodyStart, 0);
    }
    if (first !== -1 && firstOffset < offset) {
      const chunk = this.#afterBodyChunk!;
      const at = this.#afterBodyIndex;
      this.#feed(chunk.subarray(at, at + 1), firstOffset, 0);
    }
    this.#afterBodyChunk = undefined;
    return -1 - resume;
  }

  /** A part without a delimiter line (its headers at stream offset `start`) cannot be ended. */
  #missingDelimiter(what: string, start: number): MultipartError {
    return new MultipartError(
      'MISSING_DELIMITER',
      `part without a delimiter line has ${what}: its end cannot be found`,
      start,
    );
  }

  /** A searched body `[start, end)` is complete: hand it over from the held chunks. */
  #emitHeld(start: number, end: number): void {
    const delimiters = this.#delimiters;
    if (this.#asPieces) this.#emitPieces(delimiters.takeHeldPieces(start, end), end - start);
    else this.#emit(delimiters.takeHeld(start, end));
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

  #emitPieces(pieces: Uint8Array[], bodyLength: number): void {
    this.stats.parts++;
    this.#parts.push({
      headers: this.#partHeaders!,
      contentType: this.#partContentType,
      contentLength: this.#partContentLength,
      pieces,
      bodyLength,
    });
  }

  // ── end() ────────────────────────────────────────────────────────────────────────────

  #finish(): void {
    const end = this.#offset;
    switch (this.#state) {
      case FIRST:
        if (this.#matchCount > 0) throw truncated(end, 'before any delimiter');
        return;
      case AFTER_PART:
        if (this.#blankLineBytes !== -1 && this.#matchCount > this.#blankLineBytes) {
          throw truncated(end, 'inside part headers');
        }
        this.stats.skippedBytes += end - this.#matchStart;
        return;
      case SEEK:
        if (this.#seekKind === SEEK_AFTER_PART) {
          if (!this.#boundaryAtEnd()) this.stats.skippedBytes += end - this.#delimiters.start;
          return;
        }
        if (this.#boundaryAtEnd()) return;
        if (end > 0) throw truncated(end, 'before any delimiter');
        return;
      case TAIL:
      case EPILOGUE:
        return;
      case HEADERS:
        if (end > this.#headers.start) throw truncated(end, 'inside part headers');
        return;
      case BODY_LENGTH:
        if (this.#length.length === 0) {
          this.#lengthPartDone();
          return;
        }
        throw truncated(end, `inside a body (${this.#length.filled} of ${this.#length.length} bytes)`);
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
    const delimiters = this.#delimiters;
    if (!delimiters.findAtEnd(this.#offset)) return false;
    const { start, dataEnd } = delimiters;
    if (this.#state === BODY_SEARCH) {
      this.stats.searchedParts++;
      this.#emitHeld(start, dataEnd);
    } else if (this.#seekKind === SEEK_AFTER_PART) {
      this.stats.skippedBytes += dataEnd - start;
    } else {
      this.stats.preambleBytes += dataEnd - start;
    }
    if (delimiters.close) this.stats.closeDelimiters++;
    return true;
  }
}

function truncated(offset: number, where: string): MultipartError {
  return new MultipartError('TRUNCATED', `stream ended ${where}`, offset);
}
