import { spawnSync } from 'node:child_process';
import { TestPatternRenderer } from '../../src/synthetic/test-pattern.js';

/** Distinct small JPEGs (the synthetic pattern at 64×48), the emulated cameras' pictures. */
export function makeTestFrames(count: number, width = 64, height = 48): Uint8Array[] {
  const renderer = new TestPatternRenderer({ width, height });
  const base = Date.UTC(2026, 0, 1, 12, 0, 0);
  return Array.from({ length: count }, (_, i) => renderer.render(base + i * 137, i, false));
}

/** Decodes with djpeg to 8-bit greyscale; returns size and pixels, or throws with stderr. */
export function decodeGray(jpeg: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const result = spawnSync('djpeg', ['-grayscale', '-pnm'], { input: jpeg, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`djpeg failed: ${result.stderr.toString()}`);
  const out = new Uint8Array(result.stdout);
  // PGM header: "P5\n<w> <h>\n255\n"
  let fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    let token = '';
    while (out[i] === 0x20 || out[i] === 0x0a || out[i] === 0x0d || out[i] === 0x09) i++;
    while (i < out.length && out[i] !== 0x20 && out[i] !== 0x0a && out[i] !== 0x0d && out[i] !== 0x09) {
      token += String.fromCharCode(out[i]!);
      i++;
    }
    fields = [...fields, token];
  }
  i++;
  const width = Number(fields[1]);
  const height = Number(fields[2]);
  return { width, height, pixels: out.subarray(i, i + width * height) };
}

/** Mean of `pixels` over the rows `[fromRow, toRow)`. */
export function meanRows(
  image: { width: number; pixels: Uint8Array },
  fromRow: number,
  toRow: number,
): number {
  let sum = 0;
  for (let i = fromRow * image.width; i < toRow * image.width; i++) sum += image.pixels[i]!;
  return sum / ((toRow - fromRow) * image.width);
}
