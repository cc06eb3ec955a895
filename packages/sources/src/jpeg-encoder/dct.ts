/** cos((2x + 1)uπ/16) scaled by C(u)/2, indexed [u * 8 + x]: one 1-D DCT-II pass. */
const BASIS = (() => {
  const table = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    const c = u === 0 ? Math.SQRT1_2 : 1;
    for (let x = 0; x < 8; x++) table[u * 8 + x] = (c / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return table;
})();

/**
 * Forward 8×8 DCT (T.81 §A.3.3) of level-shifted samples, separable and in floating
 * point: it only runs while the tile library is built, never per frame, so clarity wins.
 */
export function forwardDct(block: Float64Array, out: Float64Array): void {
  const rows = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let x = 0; x < 8; x++) sum += BASIS[u * 8 + x]! * block[y * 8 + x]!;
      rows[y * 8 + u] = sum;
    }
  }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) sum += BASIS[v * 8 + y]! * rows[y * 8 + u]!;
      out[v * 8 + u] = sum;
    }
  }
}
