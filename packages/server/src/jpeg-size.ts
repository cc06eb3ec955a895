/**
 * Width and height of a JPEG frame for `/state`, read from its first SOFn header (ITU-T T.81
 * §B.2.2). jpeg-scanner's `readJpegInfo` does this in full; the server only needs the two
 * numbers per frame and does not depend on the scanner, so it walks the marker segments here.
 */

const MARKER = 0xff;
const SOI = 0xd8;
const SOS = 0xda;

/** `{ width, height }` of a baseline or progressive JPEG, or `undefined` when there is no SOF before SOS. */
export function readJpegSize(frame: Uint8Array): { width: number; height: number } | undefined {
  if (frame.length < 4 || frame[0] !== MARKER || frame[1] !== SOI) return undefined;
  let at = 2;
  while (at + 4 <= frame.length) {
    if (frame[at] !== MARKER) return undefined;
    const marker = frame[at + 1]!;
    if (marker === MARKER) {
      at++; // fill bytes (T.81 §B.1.1.2)
      continue;
    }
    if (marker === SOS) return undefined;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // standalone markers carry no length
      continue;
    }
    const length = (frame[at + 2]! << 8) | frame[at + 3]!;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > frame.length) return undefined;
      const height = (frame[at + 5]! << 8) | frame[at + 6]!;
      const width = (frame[at + 7]! << 8) | frame[at + 8]!;
      return { width, height };
    }
    if (length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}
