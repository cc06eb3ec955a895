import { CR, DASH, decodeLatin1, LF, SPACE, TAB } from '@mjpeg-kit/bytes';

/** How a body is read: as multipart parts, or by cutting JPEG frames out of the bytes. */
export type BodyFormat = { parser: 'multipart'; boundary: string } | { parser: 'jpeg-scan' };

/** Bytes looked at before deciding; a delimiter line is at most 2 + 70 (RFC 2046 §5.1.1) + CRLF. */
export const SNIFF_MAX_BYTES = 256;

/** Longest boundary taken from a sniffed line (RFC 2046 allows 70; cameras stay well under this). */
const MAX_SNIFFED_BOUNDARY = 200;

const SOI_FIRST = 0xff;
const SOI_SECOND = 0xd8;

/**
 * Decides how to read a body from its first bytes, then its declared boundary (from a
 * multipart `Content-Type`, or mjpeg-kit's `X-Boundary` on `?raw=1`):
 * - `FF D8` first (after any blank lines) → a bare JPEG stream, or a multipart stream
 *   whose part headers were stripped on the way: `jpeg-scan`.
 * - a delimiter line `--xyz` first → `multipart`, with the declared boundary when the line
 *   names it (with or without extra leading dashes), else with `xyz` (ffmpeg's server sends
 *   multipart as `application/octet-stream`).
 * - anything else with a declared boundary → `multipart` (the parser tolerates a first part
 *   without delimiter and a preamble); without one → `jpeg-scan`, which resynchronises.
 *
 * Returns `undefined` while more bytes are needed; with `final` (no more bytes will come,
 * or `SNIFF_MAX_BYTES` are buffered) it always decides.
 */
export function detectBodyFormat(
  head: Uint8Array,
  declaredBoundary: string | undefined,
  final = false,
): BodyFormat | undefined {
  const decided = final || head.length >= SNIFF_MAX_BYTES;
  let start = 0;
  while (start < head.length && isWhitespace(head[start]!)) start++;
  const fallback: BodyFormat =
    declaredBoundary !== undefined
      ? { parser: 'multipart', boundary: declaredBoundary }
      : { parser: 'jpeg-scan' };
  if (start + 1 >= head.length) return decided ? fallback : undefined;
  const first = head[start]!;
  const second = head[start + 1]!;
  if (first === SOI_FIRST && second === SOI_SECOND) return { parser: 'jpeg-scan' };
  if (first === DASH && second === DASH) {
    let end = start + 2;
    while (end < head.length && head[end] !== LF && head[end] !== CR) end++;
    if (end === head.length && !decided && end - start <= MAX_SNIFFED_BOUNDARY + 2) return undefined;
    const line = trimRight(decodeLatin1(head, start + 2, end));
    if (declaredBoundary !== undefined && sameBoundary(line, declaredBoundary)) return fallback;
    if (isBoundaryText(line)) return { parser: 'multipart', boundary: line };
  }
  return fallback;
}

/** Boundaries equal once leading dashes are ignored (cameras declare `--b` and send `--b` or `----b`). */
function sameBoundary(line: string, declared: string): boolean {
  return stripDashes(line) === stripDashes(declared);
}

function stripDashes(text: string): string {
  let i = 0;
  while (text.charCodeAt(i) === DASH) i++;
  return text.slice(i);
}

/** RFC 2046 §5.1.1 bchars, and not ending in a space; lenient on length. */
function isBoundaryText(text: string): boolean {
  return (
    text.length > 0 &&
    text.length <= MAX_SNIFFED_BOUNDARY &&
    /^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/.test(text)
  );
}

function isWhitespace(byte: number): boolean {
  return byte === CR || byte === LF || byte === SPACE || byte === TAB;
}

function trimRight(text: string): string {
  return text.replace(/[ \t]+$/, '');
}

/** Media type and lower-cased parameters of a `Content-Type` value; never throws. */
export function parseMediaType(value: string | null | undefined): {
  type: string;
  params: Map<string, string>;
} {
  const params = new Map<string, string>();
  if (value == null) return { type: '', params };
  const pieces = value.split(';');
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const equals = piece.indexOf('=');
    if (equals === -1) continue;
    const name = piece.slice(0, equals).trim().toLowerCase();
    let paramValue = piece.slice(equals + 1).trim();
    if (paramValue.length >= 2 && paramValue.startsWith('"') && paramValue.endsWith('"')) {
      paramValue = paramValue.slice(1, -1);
    }
    if (name !== '' && !params.has(name)) params.set(name, paramValue);
  }
  return { type: pieces[0]!.trim().toLowerCase(), params };
}
