/**
 * A 5×7 bitmap font holding only what the test pattern prints: digits, ':', '.' and
 * space. Each row is 5 bits, most significant bit on the left.
 */
export const GLYPHS: Readonly<Record<string, readonly number[]>> = {
  '0': [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
  '1': [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
  '2': [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
  '3': [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
  '4': [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
  '5': [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
  '6': [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
  '7': [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
  '8': [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
  '9': [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
  ':': [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000],
  '.': [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
  ' ': [0, 0, 0, 0, 0, 0, 0],
};

// A glyph cell is one MCU wide and two tall (16×32 pixels): 5×7 glyph pixels scaled and offset.
const SCALE_X = 2;
const SCALE_Y = 3;
const OFFSET_X = 3;
const OFFSET_Y = 5;

/** Whether pixel (x, y) of a 16×32 cell showing `char` is lit. */
export function isGlyphPixel(char: string, x: number, y: number): boolean {
  const rows = GLYPHS[char];
  if (rows === undefined) return false;
  const gx = Math.floor((x - OFFSET_X) / SCALE_X);
  const gy = Math.floor((y - OFFSET_Y) / SCALE_Y);
  if (gx < 0 || gx >= 5 || gy < 0 || gy >= 7) return false;
  return ((rows[gy]! >> (4 - gx)) & 1) === 1;
}
