import { CR, LF } from '@mjpeg-kit/bytes';
import { isFieldValue, isToken } from './char-classes.js';
import { ChunkedError } from './errors.js';

/** The CRLF after each chunk's data. One shared, read-only instance. */
const CRLF: Uint8Array<ArrayBuffer> = /* @__PURE__ */ Uint8Array.of(CR, LF);

const HEX_DIGITS = /* @__PURE__ */ Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));

/**
 * The last chunk with no trailers, `0\r\n\r\n`: write it once to end a chunked body.
 * Shared and read-only; never modify it.
 */
export const LAST_CHUNK: Uint8Array<ArrayBuffer> = /* @__PURE__ */ Uint8Array.of(0x30, CR, LF, CR, LF);

/**
 * Frames `data` as one HTTP/1.1 chunk (RFC 9112 §7.1): `[sizeLine, ...data, CRLF]`, where
 * `sizeLine` is the lowercase hex length and CRLF. The data arrays are returned as given, never
 * copied, so a server frames a part once and writes the same arrays to every client
 * (`socket.cork()`, `write()` each, `uncork()`, or one `writev`).
 *
 * Empty data (or an array whose pieces are all empty) gives `[]`: a zero-size chunk would be the
 * last chunk and end the body early.
 *
 * @example
 * ```ts
 * for (const bytes of encodeChunk([head, jpeg, tail])) socket.write(bytes);
 * socket.end(LAST_CHUNK);
 * ```
 */
export function encodeChunk(data: Uint8Array | readonly Uint8Array[]): Uint8Array[] {
  if (data instanceof Uint8Array) {
    return data.length === 0 ? [] : [encodeChunkSizeLine(data.length), data, CRLF];
  }
  let size = 0;
  for (const piece of data) size += piece.length;
  if (size === 0) return [];
  const framed: Uint8Array[] = new Array(data.length + 2);
  framed[0] = encodeChunkSizeLine(size);
  for (let i = 0; i < data.length; i++) framed[i + 1] = data[i]!;
  framed[data.length + 1] = CRLF;
  return framed;
}

/**
 * The size line of a chunk of `size` bytes: lowercase hex digits and CRLF, in one new array.
 * `size` must be a positive safe integer (a size of 0 is the last chunk: use `LAST_CHUNK`).
 *
 * @throws RangeError when `size` is not a positive safe integer.
 */
export function encodeChunkSizeLine(size: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new RangeError(`chunk size must be a positive safe integer, got ${size}`);
  }
  let digits = 1;
  // Divide instead of shifting: sizes may exceed 2^31.
  for (let rest = Math.floor(size / 16); rest > 0; rest = Math.floor(rest / 16)) digits++;
  const line = new Uint8Array(digits + 2);
  let rest = size;
  for (let i = digits - 1; i >= 0; i--) {
    line[i] = HEX_DIGITS[rest % 16]!;
    rest = Math.floor(rest / 16);
  }
  line[digits] = CR;
  line[digits + 1] = LF;
  return line;
}

/**
 * The last chunk followed by a trailer section (RFC 9112 §7.1.2): `0\r\n`, one `name: value\r\n`
 * line per field, and the final `\r\n`. Without fields it returns {@link LAST_CHUNK}.
 *
 * @throws ChunkedError `INVALID_TRAILER` when a name is not a token or a value holds CR, LF or
 * another control byte (header injection).
 */
export function encodeLastChunk(
  trailers?: Iterable<readonly [string, string]> | Record<string, string>,
): Uint8Array<ArrayBuffer> {
  if (trailers === undefined) return LAST_CHUNK;
  const fields = isIterable(trailers) ? Array.from(trailers) : Object.entries(trailers);
  if (fields.length === 0) return LAST_CHUNK;
  let text = '0\r\n';
  for (const [name, value] of fields) {
    if (!isToken(name)) {
      throw new ChunkedError('INVALID_TRAILER', `trailer name ${JSON.stringify(name)} is not a token`);
    }
    if (!isFieldValue(value)) {
      throw new ChunkedError(
        'INVALID_TRAILER',
        `trailer ${name} has a value with a control byte or a character above U+00FF`,
      );
    }
    text += `${name}: ${value}\r\n`;
  }
  text += '\r\n';
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function isIterable(value: unknown): value is Iterable<readonly [string, string]> {
  return typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}
