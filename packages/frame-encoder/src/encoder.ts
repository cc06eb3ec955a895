import { formatTimestamp, type MediaPacket, nowMs, type PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { createBoundary, formatBoundaryParameter } from './boundary.js';
import { EncoderError } from './errors.js';

/** Options of {@link MultipartEncoder}. */
export interface MultipartEncoderOptions {
  /** The boundary (RFC 2046: 1–70 bchars). Default: a fresh {@link createBoundary}. */
  boundary?: string;
  /** Also write `Content-Size` (the length again) for old clients that read only it. Default `false`. */
  legacy?: boolean;
  /** Content-Type of parts that name none, and of the advance headers. Default `image/jpeg`. */
  partContentType?: string;
}

/** The per-part header fields {@link MultipartEncoder.encodePart} writes. */
export interface PartFields {
  /** `Content-Type` of this part. Default: the encoder's `partContentType` (`image/jpeg`). */
  contentType?: string;
  /** Capture instant in epoch milliseconds, written as `X-Timestamp` (seconds, 6 decimals). */
  timestamp?: number;
  /** Sequence number, written as `X-Frame-Seq`: a non-negative safe integer. */
  seq?: number;
  /**
   * Extra header fields, written after the others in this order. Names must be tokens, values
   * free of control bytes; the five headers the encoder writes itself are refused.
   */
  headers?: Iterable<readonly [string, string]> | Record<string, string>;
}

/** How {@link MultipartEncoder.encodePart} lays a part out. */
export interface EncodePartOptions {
  /**
   * ustreamer's `advance_headers`: the tail also carries the next part's whole head —
   * `Content-Type` (the encoder's `partContentType`) and `X-Timestamp`, then the blank line, no
   * `Content-Length` — and this part's head is empty, because the previous tail (or
   * {@link MultipartEncoder.advanceOpening}) already sent it. The blank line is what makes
   * Chromium's `<img>` finish the previous image at once. The part's own fields are not written in this
   * layout (its head went out ahead): `seq`, `headers`, `legacy` are dropped, as ustreamer drops
   * its extra headers, and a `contentType` other than `partContentType` throws `INVALID_FIELD`.
   */
  advanceHeaders?: boolean;
  /**
   * `X-Timestamp` of the next part's advance headers, in epoch milliseconds. Default: now
   * ({@link nowMs}) when the part is encoded, as ustreamer writes the send time: the next
   * frame's capture time is not known yet.
   */
  advanceTimestamp?: number;
  /** End the stream after this part: the tail is the close delimiter `\r\n--B--\r\n`. */
  final?: boolean;
}

const HEADERS_WRITTEN_BY_ENCODER = /* @__PURE__ */ new Set([
  'content-type',
  'content-length',
  'content-size',
  'x-timestamp',
  'x-frame-seq',
]);

const EMPTY: Uint8Array<ArrayBuffer> = /* @__PURE__ */ new Uint8Array(0);

/** Content-Type prefixes kept per encoder; more distinct types than this clear the cache. */
const MAX_CACHED_TYPES = 32;

/**
 * Heads are cut from slabs of this size. V8 keeps typed arrays above 64 bytes off the JS heap;
 * allocating one costs 4–13× a `subarray` view of a slab (bench/run.ts, 0.3–1 µs vs 0.06–0.1 µs).
 */
const SLAB_BYTES = 16 * 1024;

/**
 * Writes a `multipart/x-mixed-replace` stream: the opening line once per viewer, then each
 * part as `[head, body, tail]`, built once per frame and written to every viewer. The body is
 * never copied; the tail is the next delimiter, written right after the body, so readers that
 * finish a part at its delimiter have each frame as soon as it arrives rather than one frame
 * late. Chromium's `<img>` also waits for the next part's header block: for it, use the
 * `advanceHeaders` layout, which sends that block with the tail.
 *
 * Bytes (see the README for the advance-headers layout):
 * ```
 * opening  --B\r\n
 * head     Content-Type: image/jpeg\r\nContent-Length: N\r\n[Content-Size: N\r\n]
 *          [X-Timestamp: S.ffffff\r\n][X-Frame-Seq: Q\r\n][extra: v\r\n]...\r\n
 * body     N bytes, the caller's array
 * tail     \r\n--B\r\n
 * ```
 *
 * @example
 * ```ts
 * const encoder = new MultipartEncoder();
 * res.writeHead(200, { 'Content-Type': encoder.contentType });
 * res.write(encoder.opening);
 * for (const bytes of encoder.encodePart(jpeg, { timestamp: nowMs(), seq: 1 })) res.write(bytes);
 * ```
 */
export class MultipartEncoder {
  /** The boundary, without the leading dashes. */
  readonly boundary: string;
  /** The full response Content-Type: `multipart/x-mixed-replace;boundary=B`. */
  readonly contentType: string;
  /** `--B\r\n`: what each viewer's stream starts with, once. Shared; do not modify. */
  readonly opening: Uint8Array<ArrayBuffer>;
  /** Whether parts carry `Content-Size` too. */
  readonly legacy: boolean;
  /** Content-Type of parts that name none. */
  readonly partContentType: string;

  /** `\r\n--B\r\n`, shared by every part. */
  readonly #tail: Uint8Array<ArrayBuffer>;
  /** `\r\n--B--\r\n`. */
  readonly #closeTail: Uint8Array<ArrayBuffer>;
  /** `Content-Type: T\r\nContent-Length: ` per content type T. */
  readonly #prefixes = new Map<string, Uint8Array<ArrayBuffer>>();
  /** `Content-Type: T\r\nX-Timestamp: ` for the advance headers. */
  readonly #advancePrefix: string;
  /** Where new heads are cut from; bytes once handed out are never written again. */
  #slab: Uint8Array<ArrayBuffer> = EMPTY;
  #slabUsed = 0;

  /**
   * @throws EncoderError `INVALID_BOUNDARY` for a boundary outside RFC 2046, `INVALID_HEADER_VALUE`
   * for a bad `partContentType`, `INVALID_OPTION` for a `legacy` that is not a boolean.
   */
  constructor(options: MultipartEncoderOptions = {}) {
    this.boundary = options.boundary ?? createBoundary();
    this.contentType = `multipart/x-mixed-replace;${formatBoundaryParameter(this.boundary)}`;
    this.legacy = checkLegacy(options.legacy);
    this.partContentType = checkContentType(options.partContentType ?? 'image/jpeg');
    this.opening = encodeLatin1(`--${this.boundary}\r\n`);
    this.#tail = encodeLatin1(`\r\n--${this.boundary}\r\n`);
    this.#closeTail = encodeLatin1(`\r\n--${this.boundary}--\r\n`);
    this.#advancePrefix = `Content-Type: ${this.partContentType}\r\nX-Timestamp: `;
  }

  /**
   * Encodes one part as `[head, body, tail]`: `body` is the array you passed (not copied),
   * `head` a new array, `tail` the encoder's shared `\r\n--B\r\n` (or the close delimiter with
   * `final`, or the delimiter plus the next part's head with `advanceHeaders`, whose `head` is
   * then empty). Write the three to every viewer in order.
   *
   * Heads are views into a shared 16 KiB slab owned by the encoder (one allocation per ~150
   * heads instead of one each): read and write them freely, but do not transfer or detach their
   * `buffer` (e.g. `postMessage(head, [head.buffer])`); copy a head first if you must.
   *
   * @throws EncoderError `INVALID_FIELD`, `INVALID_HEADER_NAME`, `INVALID_HEADER_VALUE`,
   * `RESERVED_HEADER`.
   */
  encodePart(body: Uint8Array, fields: PartFields = {}, options: EncodePartOptions = {}): Uint8Array[] {
    const [head, tail] = this.#headAndTail(body.length, fields, options);
    return [head, body, tail];
  }

  /** The head and tail around a body of `length` bytes, as {@link encodePart} lays them out. */
  #headAndTail(
    length: number,
    fields: PartFields,
    options: EncodePartOptions,
  ): [head: Uint8Array, tail: Uint8Array] {
    if (options.advanceHeaders === true) {
      if (fields.contentType !== undefined && fields.contentType !== this.partContentType) {
        throw new EncoderError(
          'INVALID_FIELD',
          `advance headers announced ${this.partContentType}, the part is ${fields.contentType}`,
        );
      }
      const tail = options.final === true ? this.#closeTail : this.#advanceTail(options.advanceTimestamp);
      return [EMPTY, tail];
    }
    return [this.#encodeHead(length, fields), options.final === true ? this.#closeTail : this.#tail];
  }

  /**
   * {@link encodePart} for a {@link MediaPacket}: `Content-Type` from its type (`image/jpeg`,
   * `audio/L16;rate=R;channels=C`, `audio/PCMU;rate=8000`), `X-Timestamp` from `timestamp`,
   * `X-Frame-Seq` from `seq`. The packet's received `headers` are not forwarded. A packet whose
   * body is pieces (`PiecesMediaPacket`) gives `[head, ...pieces, tail]`, the pieces as they are
   * (never copied), `Content-Length` from `bodyLength`.
   *
   * @throws EncoderError as {@link encodePart}; `INVALID_FIELD` for L16 audio without a sample rate.
   */
  encodePacket(packet: MediaPacket | PiecesMediaPacket, options: EncodePartOptions = {}): Uint8Array[] {
    const fields = {
      contentType: getPacketContentType(packet),
      timestamp: packet.timestamp,
      seq: packet.seq,
    };
    if (!('pieces' in packet)) return this.encodePart(packet.body, fields, options);
    const [head, tail] = this.#headAndTail(packet.bodyLength, fields, options);
    return [head, ...packet.pieces, tail];
  }

  /**
   * The start of an advance-headers viewer's stream, instead of {@link opening}: `--B\r\n`, then
   * the first part's `Content-Type: T\r\nX-Timestamp: S\r\n\r\n`. Then write each part encoded
   * with `{ advanceHeaders: true }`. Built per viewer (small); `timestamp` defaults to now.
   */
  advanceOpening(timestamp?: number): Uint8Array<ArrayBuffer> {
    return encodeLatin1(
      `--${this.boundary}\r\n${this.#advancePrefix}${formatAdvanceTimestamp(timestamp)}\r\n\r\n`,
    );
  }

  #advanceTail(timestamp: number | undefined): Uint8Array<ArrayBuffer> {
    const text = `\r\n--${this.boundary}\r\n${this.#advancePrefix}${formatAdvanceTimestamp(timestamp)}\r\n\r\n`;
    const tail = this.#allocate(text.length);
    writeLatin1(tail, 0, text);
    return tail;
  }

  /**
   * One new array per head, sized first, then filled: the cached type prefix, constant field
   * names, and digits written straight into it (no number-to-string conversions for lengths).
   */
  #encodeHead(length: number, fields: PartFields): Uint8Array<ArrayBuffer> {
    const prefix = this.#prefix(fields.contentType ?? this.partContentType);
    const lengthDigits = countDigits(length);
    const timestamp = fields.timestamp === undefined ? undefined : formatPartTimestamp(fields.timestamp);
    const seq = fields.seq;
    if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 0)) {
      throw new EncoderError('INVALID_FIELD', `seq must be a non-negative safe integer, got ${seq}`);
    }
    const extra = fields.headers === undefined ? '' : formatExtraHeaders(fields.headers);
    let size = prefix.length + lengthDigits + 2 + extra.length + 2;
    if (this.legacy) size += CONTENT_SIZE.length + lengthDigits + 2;
    if (timestamp !== undefined) size += X_TIMESTAMP.length + timestamp.length + 2;
    if (seq !== undefined) size += X_FRAME_SEQ.length + countDigits(seq) + 2;

    const head = this.#allocate(size);
    head.set(prefix);
    let at = writeDigits(head, prefix.length, length, lengthDigits);
    at = writeCrlf(head, at);
    if (this.legacy) {
      at = writeCrlf(head, writeDigits(head, writeBytes(head, at, CONTENT_SIZE), length, lengthDigits));
    }
    if (timestamp !== undefined) {
      at = writeBytes(head, at, X_TIMESTAMP);
      writeLatin1(head, at, timestamp);
      at = writeCrlf(head, at + timestamp.length);
    }
    if (seq !== undefined) {
      at = writeCrlf(head, writeDigits(head, writeBytes(head, at, X_FRAME_SEQ), seq, countDigits(seq)));
    }
    writeLatin1(head, at, extra);
    writeCrlf(head, at + extra.length);
    return head;
  }

  /** A fresh, exactly sized array: a view of the current slab when it fits. */
  #allocate(length: number): Uint8Array<ArrayBuffer> {
    if (length > SLAB_BYTES / 4) return new Uint8Array(length);
    if (this.#slabUsed + length > this.#slab.length) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#slabUsed = 0;
    }
    const view = this.#slab.subarray(this.#slabUsed, this.#slabUsed + length);
    this.#slabUsed += length;
    return view;
  }

  #prefix(contentType: string): Uint8Array<ArrayBuffer> {
    let prefix = this.#prefixes.get(contentType);
    if (prefix === undefined) {
      checkContentType(contentType);
      if (this.#prefixes.size >= MAX_CACHED_TYPES) this.#prefixes.clear();
      prefix = encodeLatin1(`Content-Type: ${contentType}\r\nContent-Length: `);
      this.#prefixes.set(contentType, prefix);
    }
    return prefix;
  }
}

/**
 * The part Content-Type of a {@link MediaPacket}: `image/jpeg`; `audio/L16;rate=R;channels=C`
 * (channels default 1); `audio/PCMU;rate=R` (rate default 8000, `;channels=C` only above 1).
 *
 * @throws EncoderError `INVALID_FIELD` for an unknown type, L16 without `sampleRate`, or a rate
 * or channel count that is not a positive integer.
 */
export function getPacketContentType(packet: MediaPacket | PiecesMediaPacket): string {
  switch (packet.type) {
    case 'image/jpeg':
      return 'image/jpeg';
    case 'audio/L16': {
      if (packet.sampleRate === undefined) {
        throw new EncoderError('INVALID_FIELD', 'audio/L16 needs a sampleRate (RFC 2586)');
      }
      const rate = checkPositiveInteger('sampleRate', packet.sampleRate);
      return `audio/L16;rate=${rate};channels=${checkPositiveInteger('channels', packet.channels ?? 1)}`;
    }
    case 'audio/PCMU': {
      const rate = checkPositiveInteger('sampleRate', packet.sampleRate ?? 8000);
      const channels = checkPositiveInteger('channels', packet.channels ?? 1);
      return channels === 1 ? `audio/PCMU;rate=${rate}` : `audio/PCMU;rate=${rate};channels=${channels}`;
    }
    default:
      throw new EncoderError('INVALID_FIELD', `unknown media type ${JSON.stringify(packet.type)}`);
  }
}

function checkLegacy(legacy: unknown): boolean {
  if (legacy === undefined) return false;
  if (typeof legacy !== 'boolean') {
    throw new EncoderError('INVALID_OPTION', `legacy must be true or false, got ${typeof legacy}`, {
      option: 'legacy',
    });
  }
  return legacy;
}

function checkPositiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new EncoderError('INVALID_FIELD', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function formatPartTimestamp(timestamp: number): string {
  if (!Number.isFinite(timestamp) || timestamp < 0) {
    throw new EncoderError('INVALID_FIELD', `timestamp must be finite epoch milliseconds, got ${timestamp}`);
  }
  return formatTimestamp(timestamp);
}

function formatAdvanceTimestamp(timestamp: number | undefined): string {
  return formatPartTimestamp(timestamp ?? nowMs());
}

function formatExtraHeaders(headers: Iterable<readonly [string, string]> | Record<string, string>): string {
  let lines = '';
  const fields =
    typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function'
      ? (headers as Iterable<readonly [string, string]>)
      : Object.entries(headers);
  for (const [name, value] of fields) {
    if (!isToken(name)) {
      throw new EncoderError('INVALID_HEADER_NAME', `header name ${JSON.stringify(name)} is not a token`);
    }
    if (HEADERS_WRITTEN_BY_ENCODER.has(name.toLowerCase())) {
      throw new EncoderError('RESERVED_HEADER', `${name} is written by the encoder; pass it as a field`);
    }
    if (!isFieldValue(value)) {
      throw new EncoderError(
        'INVALID_HEADER_VALUE',
        `header ${name} has a value with a control byte or a character above U+00FF`,
      );
    }
    lines += `${name}: ${value}\r\n`;
  }
  return lines;
}

function checkContentType(contentType: string): string {
  if (contentType.length === 0 || !isFieldValue(contentType)) {
    throw new EncoderError(
      'INVALID_HEADER_VALUE',
      `content type ${JSON.stringify(contentType)} is not a valid value`,
    );
  }
  return contentType;
}

const TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

/** RFC 9110 §5.6.2 token. */
function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const alphanumeric =
      (char >= '0' && char <= '9') || (char >= 'A' && char <= 'Z') || (char >= 'a' && char <= 'z');
    if (!alphanumeric && !TCHAR_SYMBOLS.includes(char)) return false;
  }
  return true;
}

/** RFC 9110 §5.5 field value: HTAB, SP, VCHAR and obs-text; never CR, LF or NUL. */
function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x09) continue;
    if (code < 0x20 || code === 0x7f || code > 0xff) return false;
  }
  return true;
}

const CONTENT_SIZE = /* @__PURE__ */ encodeLatin1('Content-Size: ');
const X_TIMESTAMP = /* @__PURE__ */ encodeLatin1('X-Timestamp: ');
const X_FRAME_SEQ = /* @__PURE__ */ encodeLatin1('X-Frame-Seq: ');

/** Decimal digits of a non-negative safe integer. */
function countDigits(value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/** Writes `value` as `digits` decimal digits at `offset`; returns the offset after them. */
function writeDigits(target: Uint8Array, offset: number, value: number, digits: number): number {
  let rest = value;
  for (let i = offset + digits - 1; i >= offset; i--) {
    target[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return offset + digits;
}

/** Copies a short constant byte by byte (cheaper than `set()` for a dozen bytes). */
function writeBytes(target: Uint8Array, offset: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) target[offset + i] = bytes[i]!;
  return offset + bytes.length;
}

function writeCrlf(target: Uint8Array, offset: number): number {
  target[offset] = 0x0d;
  target[offset + 1] = 0x0a;
  return offset + 2;
}

/** Writes `text` (code units ≤ 0xff, checked before) into `target` from `offset`. */
function writeLatin1(target: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) target[offset + i] = text.charCodeAt(i);
}

function encodeLatin1(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  writeLatin1(bytes, 0, text);
  return bytes;
}
