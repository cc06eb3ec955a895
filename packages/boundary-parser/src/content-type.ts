import { MultipartError } from './errors.js';

/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
export const MAX_BOUNDARY_LENGTH = 70;

const TAB = 0x09;
const SPACE = 0x20;

/**
 * Reads the boundary from a `Content-Type` header value, verbatim: leading dashes are kept
 * (the parser accepts delimiter lines with or without two more dashes in front).
 *
 * Follows RFC 2045 §5.1 parameter syntax: any `multipart/*` type, parameter names in any
 * letter case, whitespace around `;` and `=`, quoted strings with quoted-pairs (`\"`). An
 * unquoted value runs to the next `;` (trailing whitespace trimmed), which also accepts
 * cameras that put spaces in an unquoted boundary. The first `boundary` parameter wins.
 *
 * @throws {MultipartError} `NO_BOUNDARY` when the type is not `multipart/*` or there is no
 *   boundary parameter; `BAD_BOUNDARY` when the value is empty, longer than 70 characters,
 *   ends with a space, or holds a control or non-ASCII character.
 * @example
 * ```ts
 * getBoundary('multipart/x-mixed-replace; boundary="--myboundary"'); // '--myboundary'
 * ```
 */
export function getBoundary(contentType: string): string {
  const length = contentType.length;
  let position = skipWhitespace(contentType, 0);
  const typeEnd = indexOfOrEnd(contentType, ';', position);
  const mediaType = contentType.slice(position, typeEnd).trim().toLowerCase();
  if (!mediaType.startsWith('multipart/') || mediaType.length === 'multipart/'.length) {
    throw new MultipartError(
      'NO_BOUNDARY',
      `Content-Type "${clip(contentType)}" is not multipart/*, so it declares no boundary`,
    );
  }
  position = typeEnd;
  while (position < length) {
    position = skipWhitespace(contentType, position + 1); // past ';'
    const equals = indexOfOrEnd(contentType, '=', position);
    const semicolon = indexOfOrEnd(contentType, ';', position);
    if (semicolon < equals) {
      position = semicolon; // a parameter without a value: skip it
      continue;
    }
    const name = contentType.slice(position, equals).trim().toLowerCase();
    position = skipWhitespace(contentType, equals + 1);
    let value: string;
    if (contentType.charCodeAt(position) === 0x22) {
      [value, position] = readQuoted(contentType, position + 1);
      position = indexOfOrEnd(contentType, ';', position);
    } else {
      const end = indexOfOrEnd(contentType, ';', position);
      value = contentType.slice(position, end).trimEnd();
      position = end;
    }
    if (name === 'boundary') {
      checkBoundary(value);
      return value;
    }
  }
  throw new MultipartError('NO_BOUNDARY', `Content-Type "${clip(contentType)}" has no boundary parameter`);
}

/**
 * Checks a boundary string: 1 to 70 characters (RFC 2046 §5.1.1), printable ASCII, spaces
 * and tabs inside but not at the end. Lenient beyond RFC 2046's `bchars` (cameras use `*`,
 * `#`, `!`), strict where it matters: never CR, LF or other control bytes.
 *
 * @throws {MultipartError} `BAD_BOUNDARY`
 */
export function checkBoundary(boundary: string): void {
  if (boundary.length === 0) throw new MultipartError('BAD_BOUNDARY', 'boundary is empty');
  if (boundary.length > MAX_BOUNDARY_LENGTH) {
    throw new MultipartError(
      'BAD_BOUNDARY',
      `boundary has ${boundary.length} characters, expected at most ${MAX_BOUNDARY_LENGTH} (RFC 2046 §5.1.1)`,
    );
  }
  for (let i = 0; i < boundary.length; i++) {
    const code = boundary.charCodeAt(i);
    if ((code < SPACE && code !== TAB) || code >= 0x7f) {
      throw new MultipartError(
        'BAD_BOUNDARY',
        `boundary has character 0x${code.toString(16).padStart(2, '0')} at index ${i}, expected printable ASCII`,
      );
    }
  }
  const last = boundary.charCodeAt(boundary.length - 1);
  if (last === SPACE || last === TAB) {
    throw new MultipartError('BAD_BOUNDARY', 'boundary ends with whitespace (RFC 2046 §5.1.1)');
  }
}

/** Reads an RFC 2045 quoted-string body from just after the opening quote. */
function readQuoted(text: string, start: number): [value: string, end: number] {
  let value = '';
  let position = start;
  while (position < text.length) {
    const char = text[position]!;
    if (char === '"') return [value, position + 1];
    if (char === '\\' && position + 1 < text.length) {
      value += text[position + 1];
      position += 2;
      continue;
    }
    value += char;
    position++;
  }
  return [value, position]; // unterminated quote: take what is there, as browsers do
}

function skipWhitespace(text: string, position: number): number {
  while (position < text.length) {
    const code = text.charCodeAt(position);
    if (code !== SPACE && code !== TAB) break;
    position++;
  }
  return position;
}

function indexOfOrEnd(text: string, char: string, from: number): number {
  const index = text.indexOf(char, from);
  return index === -1 ? text.length : index;
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
