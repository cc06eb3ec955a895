import { PartHeaders } from '@mjpeg-kit/bytes';
import { MultipartError } from './errors.js';

/** Control bytes other than HT: never valid in a header line (RFC 9110 §5.5). */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** A length value: digits only, at most 15 of them (so it stays a safe integer). */
const LENGTH_VALUE = /^\d{1,15}$/;

/** A decoded header block. */
interface HeaderBlock {
  headers: PartHeaders;
  contentType: string | undefined;
  /** The declared length when every Content-Length/Content-Size value agrees, else undefined. */
  contentLength: number | undefined;
  /** Whether the length came from `Content-Size` only. */
  legacyLength: boolean;
  /** Whether a length header was present but unparsable or conflicting. */
  invalidLength: boolean;
  /** Lines ended by a bare LF (the blank line included). */
  lfOnlyLines: number;
  /** Printable lines without a colon, skipped. */
  skippedLines: number;
}

/**
 * Parses a header block decoded as Latin-1, from the first header line through the blank
 * line's LF. Lines may end in CRLF or bare LF; obsolete folding (a line starting with SP or
 * HT) continues the previous value. `offset` is the block's stream offset, for errors.
 *
 * @throws {MultipartError} `MALFORMED_HEADER` on control bytes in a line, or on a folded
 *   line with nothing before it.
 */
export function parseHeaderBlock(text: string, offset: number): HeaderBlock {
  const fields: [string, string][] = [];
  let lfOnlyLines = 0;
  let skippedLines = 0;
  let lineStart = 0;
  let contentType: string | undefined;
  let contentTypeIndex = -1;
  let length = -1; // -1: no length header seen
  let legacyOnly = true;
  let invalidLength = false;
  while (lineStart < text.length) {
    const lineFeed = text.indexOf('\n', lineStart);
    const next = lineFeed === -1 ? text.length : lineFeed + 1;
    let lineEnd = lineFeed === -1 ? text.length : lineFeed;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
    else if (lineFeed !== -1) lfOnlyLines++;
    if (lineEnd === lineStart) break; // the blank line
    const line = text.slice(lineStart, lineEnd);
    if (CONTROL.test(line)) {
      throw new MultipartError('MALFORMED_HEADER', 'part header line has a control byte', offset + lineStart);
    }
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // Obsolete line folding (RFC 5322 §2.2.3): continues the previous value.
      const previous = fields[fields.length - 1];
      if (previous === undefined) {
        throw new MultipartError(
          'MALFORMED_HEADER',
          'folded header line has no field to continue',
          offset + lineStart,
        );
      }
      previous[1] = `${previous[1]} ${line.trim()}`.trim();
      if (fields.length - 1 === contentTypeIndex) contentType = previous[1];
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) {
        skippedLines++;
      } else {
        const name = line.slice(0, colon).trimEnd();
        const value = line.slice(colon + 1).trim();
        fields.push([name, value]);
        // Only names of the right length are lowercased and compared: the hot path.
        if (name.length === 12) {
          if (contentType === undefined && name.toLowerCase() === 'content-type') {
            contentType = value;
            contentTypeIndex = fields.length - 1;
          } else if (name.toLowerCase() === 'content-size') length = mergeLength(length, value);
        } else if (name.length === 14 && name.toLowerCase() === 'content-length') {
          legacyOnly = false;
          length = mergeLength(length, value);
        }
        if (length === INVALID) invalidLength = true;
      }
    }
    lineStart = next;
  }
  const contentLength = length >= 0 && !invalidLength ? length : undefined;
  // append() per field skips the constructor's generic iterable copy (hot: once per frame).
  const headers = new PartHeaders(NO_FIELDS);
  for (let i = 0; i < fields.length; i++) headers.append(fields[i]![0], fields[i]![1]);
  return {
    headers,
    contentType,
    contentLength,
    legacyLength: contentLength !== undefined && legacyOnly,
    invalidLength,
    lfOnlyLines,
    skippedLines,
  };
}

const INVALID = -2;
const NO_FIELDS: [string, string][] = [];

/**
 * Content-Length, or the legacy Content-Size old cameras send, possibly both or repeated
 * (also as `3, 3`): trusted only when every value is a number and they all agree.
 */
function mergeLength(previous: number, value: string): number {
  if (previous === INVALID) return INVALID;
  let result = previous;
  for (const item of value.includes(',') ? value.split(',') : [value]) {
    const trimmed = item.trim();
    if (!LENGTH_VALUE.test(trimmed)) return INVALID;
    const length = Number(trimmed);
    if (result >= 0 && result !== length) return INVALID;
    result = length;
  }
  return result;
}
