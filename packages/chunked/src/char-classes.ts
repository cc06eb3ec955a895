/** Byte classes from RFC 9110 §5.6.2 (tchar) and §5.5 (field-vchar), as lookup tables. */

const TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

/** 1 where the byte is an RFC 9110 `tchar` (a token character). */
export const IS_TCHAR: Uint8Array = /* @__PURE__ */ buildTchar();

/** Value of a hex digit byte, or -1. */
export const HEX_VALUE: Int8Array = /* @__PURE__ */ buildHex();

function buildTchar(): Uint8Array {
  const table = new Uint8Array(256);
  for (let byte = 0x30; byte <= 0x39; byte++) table[byte] = 1;
  for (let byte = 0x41; byte <= 0x5a; byte++) table[byte] = 1;
  for (let byte = 0x61; byte <= 0x7a; byte++) table[byte] = 1;
  for (let i = 0; i < TCHAR_SYMBOLS.length; i++) table[TCHAR_SYMBOLS.charCodeAt(i)] = 1;
  return table;
}

function buildHex(): Int8Array {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) table[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[0x41 + i] = 10 + i;
    table[0x61 + i] = 10 + i;
  }
  return table;
}

/** Whether `text` is a non-empty RFC 9110 token. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff || IS_TCHAR[code] !== 1) return false;
  }
  return true;
}

/** Whether `text` is a valid field value: HTAB, SP, VCHAR and obs-text only (RFC 9110 §5.5). */
export function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x09) continue;
    if (code < 0x20 || code === 0x7f || code > 0xff) return false;
  }
  return true;
}
