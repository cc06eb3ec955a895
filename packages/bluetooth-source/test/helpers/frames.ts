import { TestPatternRenderer } from '@mjpeg-kit/sources';

/** Distinct small JPEGs (the synthetic pattern at 64×48), the emulated cameras' pictures. */
export function makeTestFrames(count: number, width = 64, height = 48): Uint8Array[] {
  const renderer = new TestPatternRenderer({ width, height });
  const base = Date.UTC(2026, 0, 1, 12, 0, 0);
  return Array.from({ length: count }, (_, i) => renderer.render(base + i * 137, i, false));
}
