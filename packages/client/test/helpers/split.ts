import fc from 'fast-check';
import {
  splitAt as cut,
  splitEvery as every,
  seededRandom as seeded,
} from '../../../../test-support/splits.js';

export { cut, every };

/**
 * Every way the package's parsers are fed in tests, as a network may cut a stream: whole, in 1- and 7-byte
 * feeds, split in two at every offset (inputs up to 8 KiB), in 16 KiB chunks and seeded
 * random splits for larger ones. Yields `[label, chunks]`.
 */
export function* feedings(data: Uint8Array): Generator<[string, Uint8Array[]]> {
  yield ['whole', [data]];
  yield ['1-byte feeds', every(data, 1)];
  yield ['7-byte feeds', every(data, 7)];
  if (data.length <= 8192) {
    for (let offset = 1; offset < data.length; offset++) yield [`split at ${offset}`, cut(data, [offset])];
  } else {
    yield ['16 KiB chunks', every(data, 16384)];
  }
  const random = seeded(data.length);
  for (let run = 0; run < 200; run++) {
    const count = 1 + Math.floor(random() * 12);
    const offsets = Array.from({ length: count }, () => 1 + Math.floor(random() * (data.length - 1)));
    yield [`seeded random split ${run}`, cut(data, offsets)];
  }
}

/** fast-check arbitrary of split offsets for `data`. */
export function splitOffsets(data: Uint8Array): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: Math.max(1, data.length - 1) }), { maxLength: 20 });
}
