/**
 * Byte search with one fast path. On Node, `Buffer.prototype.indexOf` runs memchr/SIMD
 * (~36 GB/s for one byte here) while `Uint8Array.prototype.indexOf` is a plain loop
 * (~1.3 GB/s). We borrow the method through `globalThis` — no import, no Buffer object is
 * ever created — and call it on plain `Uint8Array`s. Elsewhere a pure-JS search runs.
 */

type NativeIndexOf = (this: Uint8Array, value: number | Uint8Array, byteOffset?: number) => number;
type NativeSearch = (haystack: Uint8Array, value: number | Uint8Array, fromIndex: number) => number;

/**
 * The detected method as a plain function of (haystack, value, fromIndex). A direct call gets
 * call-site feedback, so V8 inlines it; `indexOf.call(…)` records only `Function.prototype.call`
 * and costs ~8 ns more per call (measured on a walk from 0xff to 0xff over JPEG data: 114 vs
 * 153 µs/MB), which adds up where a byte turns up every few hundred bytes.
 */
function detectNativeSearch(): NativeSearch | undefined {
  const candidate = (globalThis as { Buffer?: { prototype?: { indexOf?: unknown } } }).Buffer?.prototype
    ?.indexOf;
  if (typeof candidate !== 'function') return undefined;
  const search = Function.prototype.call.bind(candidate as NativeIndexOf) as NativeSearch;
  try {
    // Prove it accepts plain Uint8Array receivers and needles before trusting it.
    const probe = new Uint8Array([1, 2, 3, 2, 3]);
    if (search(probe, 3, 3) !== 4) return undefined;
    if (search(probe, new Uint8Array([2, 3]), 2) !== 3) return undefined;
  } catch {
    return undefined;
  }
  return search;
}

let nativeSearch: NativeSearch | undefined = detectNativeSearch();

/** Which search path is active: `'native'` (Node's memchr) or `'js'`. */
export function getSearchPath(): 'native' | 'js' {
  return nativeSearch ? 'native' : 'js';
}

/**
 * Forces the pure-JS path (`false`) or restores detection (`true`). For tests and
 * benchmarks that compare both paths; never needed in applications.
 */
export function setNativeSearch(enabled: boolean): void {
  nativeSearch = enabled ? detectNativeSearch() : undefined;
}

/** Index of `byte` in `haystack` at or after `fromIndex`, or -1. */
export function indexOfByte(haystack: Uint8Array, byte: number, fromIndex = 0): number {
  if (fromIndex >= haystack.length) return -1;
  if (nativeSearch !== undefined) return nativeSearch(haystack, byte, fromIndex);
  return haystack.indexOf(byte, fromIndex);
}

/**
 * Index of the first occurrence of `needle` in `haystack` at or after `fromIndex`, or -1.
 * An empty needle matches at `fromIndex`.
 */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, fromIndex = 0): number {
  const needleLength = needle.length;
  if (needleLength === 0) return Math.min(fromIndex, haystack.length);
  if (needleLength === 1) return indexOfByte(haystack, needle[0]!, fromIndex);
  const last = haystack.length - needleLength;
  if (fromIndex > last) return -1;
  if (nativeSearch !== undefined) return nativeSearch(haystack, needle, fromIndex);
  return indexOfBytesByFirstByte(haystack, needle, fromIndex);
}

/**
 * Index of the first `byte` at or after `fromIndex` that is not followed by a byte marked in
 * `skipFollowers` (a 256-entry table, non-zero = skip), or -1. A skipped pair is passed over
 * as a whole: the search goes on after its second byte. A `byte` in the last position is
 * returned (what follows it is unknown). A negative `fromIndex` counts as 0. One native search per `byte` found on Node, the
 * loop in between kept here so the call stays cheap; made for walking JPEG entropy-coded data
 * (`0xff` not followed by `0x00` stuffing or RST0–7), where `0xff` occurs every ~250 bytes.
 *
 * @example
 * ```ts
 * const skip = new Uint8Array(256);
 * skip[0x00] = 1;
 * indexOfByteNotFollowedBy(new Uint8Array([0xff, 0x00, 0xff, 0xd9]), 0xff, skip); // 2
 * ```
 */
export function indexOfByteNotFollowedBy(
  haystack: Uint8Array,
  byte: number,
  skipFollowers: Uint8Array,
  fromIndex = 0,
): number {
  const last = haystack.length - 1;
  let position = Math.max(fromIndex, 0);
  const search = nativeSearch;
  if (search !== undefined) {
    while (position <= last) {
      const at = search(haystack, byte, position);
      if (at === -1 || at === last || skipFollowers[haystack[at + 1] as number] === 0) return at;
      position = at + 2;
    }
    return -1;
  }
  while (position <= last) {
    const at = haystack.indexOf(byte, position);
    if (at === -1 || at === last || skipFollowers[haystack[at + 1] as number] === 0) return at;
    position = at + 2;
  }
  return -1;
}

/**
 * Like {@link indexOfBytes}, but jumps to each occurrence of the needle's first byte with
 * {@link indexOfByte} (memchr on Node) and compares the rest. Faster than the native whole-needle
 * search when that first byte is rare in the data — a multipart delimiter's `\r` in JPEG bytes
 * (measured ~20% faster, docs/benchmarks.md) — and the pure-JS path everywhere else.
 * Quadratic-ish on data full of that byte: prefer `indexOfBytes` for text.
 */
export function indexOfBytesByFirstByte(haystack: Uint8Array, needle: Uint8Array, fromIndex = 0): number {
  const needleLength = needle.length;
  if (needleLength === 0) return Math.min(fromIndex, haystack.length);
  const first = needle[0]!;
  const last = haystack.length - needleLength;
  let position = fromIndex;
  while (position <= last) {
    position = indexOfByte(haystack, first, position);
    if (position === -1 || position > last) return -1;
    let matched = 1;
    while (matched < needleLength && haystack[position + matched] === needle[matched]) matched++;
    if (matched === needleLength) return position;
    position++;
  }
  return -1;
}

/**
 * Length of the longest suffix of `haystack` (from `fromIndex` on) that is a proper prefix
 * of `needle`: the bytes a streaming search must hold back because the next chunk could
 * complete a match.
 */
export function partialMatchLength(haystack: Uint8Array, needle: Uint8Array, fromIndex = 0): number {
  const maxLength = Math.min(needle.length - 1, haystack.length - fromIndex);
  for (let length = maxLength; length > 0; length--) {
    const start = haystack.length - length;
    if (haystack[start] !== needle[0]) continue;
    let matched = 1;
    while (matched < length && haystack[start + matched] === needle[matched]) matched++;
    if (matched === length) return length;
  }
  return 0;
}

/** Whether `haystack` holds `needle` starting at `offset`. */
export function hasBytesAt(haystack: Uint8Array, offset: number, needle: Uint8Array): boolean {
  if (offset < 0 || offset + needle.length > haystack.length) return false;
  for (let i = 0; i < needle.length; i++) if (haystack[offset + i] !== needle[i]) return false;
  return true;
}
