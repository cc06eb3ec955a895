import { EncoderError } from './errors.js';

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Characters of a generated boundary. */
export const BOUNDARY_LENGTH = 32;

/**
 * A fresh random boundary: 32 letters and digits from Web Crypto (`crypto.getRandomValues`),
 * about 190 bits, so it will not occur in JPEG or audio data by chance. Letters and digits are
 * RFC 2046 `bchars` and RFC 9110 token characters, so the `boundary=` parameter needs no quotes.
 *
 * @example
 * ```ts
 * createBoundary(); // 'q3ZkV0c8dTgM1RbyfX2PnS6aLhJwE9oU'
 * ```
 */
export function createBoundary(): string {
  let boundary = '';
  const random = new Uint8Array(BOUNDARY_LENGTH * 2);
  while (boundary.length < BOUNDARY_LENGTH) {
    globalThis.crypto.getRandomValues(random);
    for (let i = 0; i < random.length && boundary.length < BOUNDARY_LENGTH; i++) {
      // 248 = 4 × 62: reject the top values so every character is equally likely.
      const value = random[i]!;
      if (value < 248) boundary += ALPHANUMERIC[value % 62];
    }
  }
  return boundary;
}

/** bchars of RFC 2046 §5.1.1, besides letters and digits (space allowed, but not last). */
const BCHAR_SYMBOLS = "'()+_,-./:=? ";
/** Token characters (RFC 9110 §5.6.2) among the bchars: no quotes needed in Content-Type. */
const TOKEN_SYMBOLS = "'+_-.";

/**
 * Checks an RFC 2046 boundary (1–70 `bchars`, not ending with a space) and returns the
 * `boundary=` parameter for a Content-Type, quoted when the boundary is not a token.
 *
 * @throws EncoderError `INVALID_BOUNDARY`.
 */
export function formatBoundaryParameter(boundary: string): string {
  if (boundary.length < 1 || boundary.length > 70) {
    throw new EncoderError(
      'INVALID_BOUNDARY',
      `boundary must have 1 to 70 characters, has ${boundary.length}`,
    );
  }
  let token = true;
  for (let i = 0; i < boundary.length; i++) {
    const char = boundary[i]!;
    if (isAlphanumeric(char)) continue;
    if (!BCHAR_SYMBOLS.includes(char)) {
      throw new EncoderError(
        'INVALID_BOUNDARY',
        `boundary character ${JSON.stringify(char)} at index ${i} is not an RFC 2046 bchar`,
      );
    }
    if (!TOKEN_SYMBOLS.includes(char)) token = false;
  }
  if (boundary.endsWith(' '))
    throw new EncoderError('INVALID_BOUNDARY', 'boundary must not end with a space');
  return token ? `boundary=${boundary}` : `boundary="${boundary}"`;
}

function isAlphanumeric(char: string): boolean {
  return (char >= '0' && char <= '9') || (char >= 'A' && char <= 'Z') || (char >= 'a' && char <= 'z');
}
