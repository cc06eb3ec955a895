/** Byte values the protocol code names instead of writing as numbers. */
export const CR = 0x0d;
export const LF = 0x0a;
export const DASH = 0x2d;
export const SPACE = 0x20;
export const TAB = 0x09;
export const COLON = 0x3a;

const encoder = new TextEncoder();

/** Encodes an ASCII/UTF-8 string to bytes (header lines, boundaries, chunk sizes). */
export function encodeAscii(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/**
 * Decodes header bytes as Latin-1 (each byte one code unit), as HTTP (RFC 9110 §5.5)
 * treats field values: never throws, never merges bytes, cheap for short header blocks.
 */
export function decodeLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let text = '';
  const step = 4096;
  for (let i = start; i < end; i += step) {
    text += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + step)) as unknown as number[],
    );
  }
  return text;
}

/**
 * Escapes up to `maxBytes` bytes for an error message: printable ASCII as is, `\r`, `\n`,
 * `\t`, others as `\xNN`; a trailing `…` says bytes were cut.
 */
export function escapeBytes(bytes: Uint8Array, start = 0, maxBytes = 16): string {
  const end = Math.min(bytes.length, start + maxBytes);
  let text = '';
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === CR) text += '\\r';
    else if (byte === LF) text += '\\n';
    else if (byte === TAB) text += '\\t';
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x5c) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return end < bytes.length ? `${text}…` : text;
}
