import { CR, decodeLatin1, describeInvalidNumber, escapeBytes, LF, PartHeaders } from '@mjpeg-kit/bytes';
import { HEX_VALUE, IS_TCHAR } from './char-classes.js';
import { ChunkedError, type ChunkedErrorCode } from './errors.js';

/** Default `maxChunkBytes`: 64 MiB. */
export const DEFAULT_MAX_CHUNK_BYTES = 64 * 1024 * 1024;
/** Default `maxExtBytes`: 4 KiB of chunk extensions per size line. */
export const DEFAULT_MAX_EXT_BYTES = 4 * 1024;
/** Default `maxTrailerBytes`: 16 KiB of trailer field lines. */
export const DEFAULT_MAX_TRAILER_BYTES = 16 * 1024;

/** At most this many hex digits in a size line, leading zeros included. */
const MAX_SIZE_DIGITS = 16;

/** Options of {@link ChunkedReader}. Every limit is checked before a byte is kept. */
export interface ChunkedReaderOptions {
  /** Largest chunk size accepted, in bytes (default 64 MiB); more is `CHUNK_SIZE_OVERFLOW`. */
  maxChunkBytes?: number;
  /** Largest chunk-ext section of one size line, in bytes (default 4 KiB); more is `EXT_TOO_LARGE`. */
  maxExtBytes?: number;
  /** Largest trailer section, in bytes (default 16 KiB); more is `TRAILER_TOO_LARGE`. */
  maxTrailerBytes?: number;
  /**
   * Accept a bare LF wherever CRLF ends a line (old devices send them). Default `false`:
   * a bare LF is `BARE_LF`, because readers that disagree on line ends enable request smuggling.
   */
  allowBareLf?: boolean;
}

// Parser states: small integers, one per place in the RFC 9112 §7.1 grammar.
const SIZE_START = 0; // first hex digit of chunk-size
const SIZE = 1; // more hex digits, `;`, BWS or CRLF
const SIZE_WS = 2; // BWS after the size: only `;` may follow
const EXT_NAME_START = 3; // BWS, then the first tchar of chunk-ext-name
const EXT_NAME = 4;
const EXT_NAME_WS = 5; // BWS after a name: `=` or `;` must follow
const EXT_VALUE_START = 6; // BWS, then a token or a quoted-string
const EXT_TOKEN = 7;
const EXT_QUOTED = 8;
const EXT_QUOTED_PAIR = 9; // the byte after `\` in a quoted-string
const EXT_VALUE_END = 10; // after a value: `;`, BWS then `;`, or CRLF
const EXT_VALUE_WS = 11; // BWS after a value: only `;` may follow
const LINE_LF = 12; // after CR: LF must follow
const DATA = 13;
const DATA_CR = 14; // the CRLF after chunk-data
const TRAILER_LINE = 15; // start of a trailer field line, or the final CRLF
const TRAILER_NAME = 16;
const TRAILER_VALUE = 17;
const DONE = 18;

// What a line end (after LINE_LF) completes.
const END_SIZE_LINE = 0;
const END_DATA = 1;
const END_TRAILER_FIELD = 2;
const END_MESSAGE = 3;

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const SP = 0x20;
const HTAB = 0x09;
const DEL = 0x7f;

const EMPTY: Uint8Array<ArrayBuffer> = /* @__PURE__ */ new Uint8Array(0);

/**
 * Strict push decoder of the HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), for clients on
 * raw sockets and for devices. Feed it the bytes after the response head, split anywhere.
 *
 * Decoded data comes back as views (`subarray`) of the chunks you pushed: nothing is copied, so
 * the views stay valid as long as you do not reuse those input buffers. Memory held by the
 * reader is bounded by `maxTrailerBytes` (the only bytes it keeps, for trailers).
 *
 * Strictness (each a test): the size is 1–16 hex digits, no sign, no `0x`, no whitespace
 * before it; whitespace after it is allowed only when a chunk extension follows
 * (BWS before `;`, RFC 9112 §7.1.1); extensions must be `;name[=token|"quoted"]`; every line
 * ends with CRLF (bare LF only with `allowBareLf`); trailer lines are `name: value`, with
 * obs-fold rejected.
 *
 * @example
 * ```ts
 * const reader = new ChunkedReader();
 * for await (const bytes of socketAfterHead) {
 *   for (const data of reader.push(bytes)) handle(data);
 *   if (reader.done) break;
 * }
 * reader.end(); // throws TRUNCATED if the body did not end
 * ```
 */
export class ChunkedReader {
  readonly #maxChunkBytes: number;
  readonly #maxExtBytes: number;
  readonly #maxTrailerBytes: number;
  readonly #allowBareLf: boolean;

  #state = SIZE_START;
  #lineEnd = END_SIZE_LINE;
  /** Stream offset of the first byte of the current push. */
  #base = 0;
  #size = 0;
  #sizeDigits = 0;
  #remaining = 0;
  #extBytes = 0;
  #trailerBytes = 0;
  #line: Uint8Array = EMPTY;
  #lineLength = 0;
  #colonAt = -1;
  #trailers = new PartHeaders();
  #leftover: Uint8Array = EMPTY;
  #error: ChunkedError | undefined;

  /**
   * @throws ChunkedError `INVALID_OPTION` when a limit is not a positive safe integer (the option
   *   named in `error.option`).
   */
  constructor(options: ChunkedReaderOptions = {}) {
    this.#maxChunkBytes = checkLimit('maxChunkBytes', options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES);
    this.#maxExtBytes = checkLimit('maxExtBytes', options.maxExtBytes ?? DEFAULT_MAX_EXT_BYTES);
    this.#maxTrailerBytes = checkLimit(
      'maxTrailerBytes',
      options.maxTrailerBytes ?? DEFAULT_MAX_TRAILER_BYTES,
    );
    this.#allowBareLf = options.allowBareLf ?? false;
  }

  /** Whether the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** Trailer fields (empty until `done`, and when the sender sent none), in wire order. */
  get trailers(): PartHeaders {
    return this.#trailers;
  }

  /**
   * Bytes after the end of the message in the push that completed it (a view of that chunk;
   * empty otherwise): on a keep-alive connection, the start of the next message.
   */
  get leftover(): Uint8Array {
    return this.#leftover;
  }

  /** Bytes consumed so far (the stream offset errors are reported against). */
  get bytesRead(): number {
    return this.#base;
  }

  /**
   * Decodes `chunk` and returns the chunk data it completed, as views of `chunk` (possibly
   * none). After an error every call rethrows it; data returned by earlier calls stays valid.
   *
   * @throws ChunkedError on malformed input (any code but `TRUNCATED`); `DATA_AFTER_END` when
   * bytes are pushed after `done`.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#error !== undefined) throw this.#error;
    const out: Uint8Array[] = [];
    if (this.#state === DONE) {
      if (chunk.length > 0) {
        // The stream position of this push: after the message and its leftover.
        const offset = this.#base + this.#leftover.length;
        this.#fail('DATA_AFTER_END', 'bytes pushed after the chunked body ended; read leftover', offset);
      }
      return out;
    }
    try {
      this.#decode(chunk, out);
    } catch (error) {
      if (error instanceof ChunkedError) this.#error = error;
      throw error;
    }
    // Once done, the bytes after the message are leftover, not read.
    this.#base += chunk.length - this.#leftover.length;
    return out;
  }

  /**
   * Declares the input finished.
   *
   * @throws ChunkedError `TRUNCATED` (offset: bytes read) when the body had not ended, or the
   * error an earlier `push` threw.
   */
  end(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#state !== DONE) {
      const what =
        this.#state === DATA
          ? `inside chunk data, ${this.#remaining} bytes missing`
          : 'before the last chunk';
      this.#error = new ChunkedError('TRUNCATED', `chunked body ended ${what}`, this.#base);
      throw this.#error;
    }
  }

  #decode(chunk: Uint8Array, out: Uint8Array[]): void {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      const state = this.#state;
      if (state === DATA) {
        const take = Math.min(this.#remaining, length - i);
        out.push(chunk.subarray(i, i + take));
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = DATA_CR;
        continue;
      }
      const byte = chunk[i]!;
      switch (state) {
        case SIZE_START: {
          const digit = HEX_VALUE[byte]!;
          if (digit < 0) this.#invalidSize(chunk, i, 'chunk size must start with a hex digit');
          this.#size = digit;
          this.#sizeDigits = 1;
          this.#state = SIZE;
          break;
        }
        case SIZE: {
          const digit = HEX_VALUE[byte]!;
          if (digit >= 0) {
            const size = this.#size * 16 + digit;
            if (++this.#sizeDigits > MAX_SIZE_DIGITS || size > this.#maxChunkBytes) {
              this.#fail(
                'CHUNK_SIZE_OVERFLOW',
                `chunk size exceeds maxChunkBytes (${this.#maxChunkBytes}) or ${MAX_SIZE_DIGITS} hex digits`,
                this.#base + i,
              );
            }
            this.#size = size;
          } else if (byte === SEMICOLON) {
            this.#extByte(i);
            this.#state = EXT_NAME_START;
          } else if (byte === SP || byte === HTAB) {
            this.#extByte(i);
            this.#state = SIZE_WS;
          } else if (byte === CR || byte === LF) {
            this.#lineBreak(chunk, i, END_SIZE_LINE);
          } else {
            this.#invalidSize(chunk, i, 'chunk size has a non-hex byte');
          }
          break;
        }
        case SIZE_WS:
          this.#extByte(i);
          if (byte === SEMICOLON) this.#state = EXT_NAME_START;
          else if (byte !== SP && byte !== HTAB) {
            this.#invalidSize(chunk, i, 'whitespace after a chunk size must lead to ";"');
          }
          break;
        case EXT_NAME_START:
          this.#extByte(i);
          if (IS_TCHAR[byte] === 1) this.#state = EXT_NAME;
          else if (byte !== SP && byte !== HTAB) this.#invalidExt(chunk, i, 'expected a token after ";"');
          break;
        case EXT_NAME:
          if (IS_TCHAR[byte] === 1) this.#extByte(i);
          else if (byte === EQUALS) {
            this.#extByte(i);
            this.#state = EXT_VALUE_START;
          } else if (byte === SEMICOLON) {
            this.#extByte(i);
            this.#state = EXT_NAME_START;
          } else if (byte === SP || byte === HTAB) {
            this.#extByte(i);
            this.#state = EXT_NAME_WS;
          } else if (byte === CR || byte === LF) {
            this.#lineBreak(chunk, i, END_SIZE_LINE);
          } else {
            this.#invalidExt(chunk, i, 'chunk-ext name has a byte outside token');
          }
          break;
        case EXT_NAME_WS:
          this.#extByte(i);
          if (byte === EQUALS) this.#state = EXT_VALUE_START;
          else if (byte === SEMICOLON) this.#state = EXT_NAME_START;
          else if (byte !== SP && byte !== HTAB) {
            this.#invalidExt(chunk, i, 'whitespace after a chunk-ext name must lead to "=" or ";"');
          }
          break;
        case EXT_VALUE_START:
          this.#extByte(i);
          if (IS_TCHAR[byte] === 1) this.#state = EXT_TOKEN;
          else if (byte === QUOTE) this.#state = EXT_QUOTED;
          else if (byte !== SP && byte !== HTAB) {
            this.#invalidExt(chunk, i, 'chunk-ext value must be a token or a quoted-string');
          }
          break;
        case EXT_TOKEN:
          if (IS_TCHAR[byte] === 1) this.#extByte(i);
          else this.#afterExtValue(chunk, i, byte);
          break;
        case EXT_QUOTED:
          this.#extByte(i);
          if (byte === QUOTE) this.#state = EXT_VALUE_END;
          else if (byte === BACKSLASH) this.#state = EXT_QUOTED_PAIR;
          // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4)
          else if ((byte < SP && byte !== HTAB) || byte === DEL) {
            this.#invalidExt(chunk, i, 'quoted-string has a control byte');
          }
          break;
        case EXT_QUOTED_PAIR:
          this.#extByte(i);
          if ((byte < SP && byte !== HTAB) || byte === DEL) {
            this.#invalidExt(chunk, i, 'quoted-pair escapes a control byte');
          }
          this.#state = EXT_QUOTED;
          break;
        case EXT_VALUE_END:
          this.#afterExtValue(chunk, i, byte);
          break;
        case EXT_VALUE_WS:
          this.#extByte(i);
          if (byte === SEMICOLON) this.#state = EXT_NAME_START;
          else if (byte !== SP && byte !== HTAB) {
            this.#invalidExt(chunk, i, 'whitespace after a chunk-ext value must lead to ";"');
          }
          break;
        case LINE_LF:
          if (byte !== LF) {
            this.#fail(
              'MISSING_CRLF',
              `expected LF after CR, found "${escapeBytes(chunk, i)}"`,
              this.#base + i,
            );
          }
          if (this.#lineEnd === END_TRAILER_FIELD) this.#countTrailerBytes(i);
          if (this.#completeLine(chunk, i)) return;
          break;
        case DATA_CR:
          if (byte === CR || byte === LF) this.#lineBreak(chunk, i, END_DATA);
          else {
            this.#fail(
              'MISSING_CRLF',
              `expected CRLF after chunk data, found "${escapeBytes(chunk, i)}"`,
              this.#base + i,
            );
          }
          break;
        case TRAILER_LINE:
          if (byte === CR || byte === LF) {
            if (this.#lineBreak(chunk, i, END_MESSAGE)) return;
          } else if (IS_TCHAR[byte] === 1) {
            this.#trailerByte(i, byte);
            this.#state = TRAILER_NAME;
          } else if (byte === SP || byte === HTAB) {
            this.#fail('INVALID_TRAILER', 'trailer line starts with whitespace (obs-fold)', this.#base + i);
          } else {
            this.#invalidTrailer(chunk, i, 'trailer field name must be a token');
          }
          break;
        case TRAILER_NAME:
          if (IS_TCHAR[byte] === 1) this.#trailerByte(i, byte);
          else if (byte === COLON) {
            this.#colonAt = this.#lineLength;
            this.#trailerByte(i, byte);
            this.#state = TRAILER_VALUE;
          } else {
            this.#invalidTrailer(chunk, i, 'trailer field name must be a token followed by ":"');
          }
          break;
        case TRAILER_VALUE:
          if (byte === CR || byte === LF) {
            this.#countTrailerBytes(i);
            this.#lineBreak(chunk, i, END_TRAILER_FIELD);
          } else if ((byte < SP && byte !== HTAB) || byte === DEL) {
            this.#invalidTrailer(chunk, i, 'trailer field value has a control byte');
          } else {
            this.#trailerByte(i, byte);
          }
          break;
      }
      i++;
    }
  }

  /**
   * A CR or LF where a line may end: CR waits for LF; a bare LF ends the line only with
   * `allowBareLf`. Returns true when the message ended (the caller stops decoding).
   */
  #lineBreak(chunk: Uint8Array, i: number, lineEnd: number): boolean {
    this.#lineEnd = lineEnd;
    if (chunk[i] === CR) {
      this.#state = LINE_LF;
      return false;
    }
    if (!this.#allowBareLf) {
      this.#fail('BARE_LF', 'line ends with a bare LF where CRLF is required', this.#base + i);
    }
    return this.#completeLine(chunk, i);
  }

  /** The line ending at byte `i` (its LF) is complete. Returns true when the message ended. */
  #completeLine(chunk: Uint8Array, i: number): boolean {
    switch (this.#lineEnd) {
      case END_SIZE_LINE:
        this.#extBytes = 0;
        if (this.#size === 0) {
          this.#state = TRAILER_LINE;
        } else {
          this.#remaining = this.#size;
          this.#state = DATA;
        }
        return false;
      case END_DATA:
        this.#state = SIZE_START;
        return false;
      case END_TRAILER_FIELD:
        this.#addTrailer();
        this.#state = TRAILER_LINE;
        return false;
      default:
        this.#state = DONE;
        this.#leftover = i + 1 < chunk.length ? chunk.subarray(i + 1) : EMPTY;
        return true;
    }
  }

  #afterExtValue(chunk: Uint8Array, i: number, byte: number): void {
    if (byte === SEMICOLON) {
      this.#extByte(i);
      this.#state = EXT_NAME_START;
    } else if (byte === SP || byte === HTAB) {
      this.#extByte(i);
      this.#state = EXT_VALUE_WS;
    } else if (byte === CR || byte === LF) {
      this.#lineBreak(chunk, i, END_SIZE_LINE);
    } else {
      this.#invalidExt(chunk, i, 'chunk-ext value must be followed by ";" or CRLF');
    }
  }

  #extByte(i: number): void {
    if (++this.#extBytes > this.#maxExtBytes) {
      this.#fail(
        'EXT_TOO_LARGE',
        `chunk extensions exceed maxExtBytes (${this.#maxExtBytes})`,
        this.#base + i,
      );
    }
  }

  #countTrailerBytes(i: number): void {
    if (++this.#trailerBytes > this.#maxTrailerBytes) {
      this.#fail(
        'TRAILER_TOO_LARGE',
        `trailer section exceeds maxTrailerBytes (${this.#maxTrailerBytes})`,
        this.#base + i,
      );
    }
  }

  /** Keeps one byte of a trailer line, after checking the trailer limit. */
  #trailerByte(i: number, byte: number): void {
    this.#countTrailerBytes(i);
    if (this.#lineLength === this.#line.length) {
      // Grow by doubling; the trailer limit bounds the size.
      const grown = new Uint8Array(Math.min(Math.max(64, this.#line.length * 2), this.#maxTrailerBytes));
      grown.set(this.#line);
      this.#line = grown;
    }
    this.#line[this.#lineLength++] = byte;
  }

  #addTrailer(): void {
    const line = this.#line;
    const colon = this.#colonAt;
    let start = colon + 1;
    let end = this.#lineLength;
    // OWS around the value is not part of it (RFC 9110 §5.5).
    while (start < end && (line[start] === SP || line[start] === HTAB)) start++;
    while (end > start && (line[end - 1] === SP || line[end - 1] === HTAB)) end--;
    this.#trailers.append(decodeLatin1(line, 0, colon), decodeLatin1(line, start, end));
    this.#lineLength = 0;
    this.#colonAt = -1;
  }

  #invalidSize(chunk: Uint8Array, i: number, message: string): never {
    this.#fail('INVALID_CHUNK_SIZE', `${message}, found "${escapeBytes(chunk, i)}"`, this.#base + i);
  }

  #invalidExt(chunk: Uint8Array, i: number, message: string): never {
    this.#fail('INVALID_CHUNK_EXT', `${message}, found "${escapeBytes(chunk, i)}"`, this.#base + i);
  }

  #invalidTrailer(chunk: Uint8Array, i: number, message: string): never {
    this.#fail('INVALID_TRAILER', `${message}, found "${escapeBytes(chunk, i)}"`, this.#base + i);
  }

  #fail(code: ChunkedErrorCode, message: string, offset: number): never {
    this.#error = new ChunkedError(code, message, offset);
    throw this.#error;
  }
}

function checkLimit(name: string, value: number): number {
  const problem = describeInvalidNumber(value, { min: 1, integer: true });
  if (problem !== undefined) {
    throw new ChunkedError('INVALID_OPTION', `${name} ${problem}`, undefined, { option: name });
  }
  return value;
}
