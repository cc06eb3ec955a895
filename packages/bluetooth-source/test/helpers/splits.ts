import fc from 'fast-check';
import { splitAt as cutAt } from '../../../../test-support/splits.js';

export { cutAt };

/** Every way the suite splits an input: whole, 1-byte drip, and each two-way split. */
export function* splitsOf(input: Uint8Array): Generator<{ name: string; chunks: Uint8Array[] }> {
  yield { name: 'whole', chunks: [input] };
  yield { name: 'bytes', chunks: Array.from(input, (b) => Uint8Array.of(b)) };
  for (let at = 1; at < input.length; at++) {
    yield { name: `split at ${at}`, chunks: [input.subarray(0, at), input.subarray(at)] };
  }
}

/** fast-check arbitrary of cut points that split `length` bytes into chunks. */
export function arbitraryCuts(length: number): fc.Arbitrary<number[]> {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 24 })
    .map((cuts) => cuts.filter((c) => c < length).sort((a, b) => a - b));
}
