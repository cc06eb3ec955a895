/**
 * Byte primitives: the native (memchr) and pure-JS search paths against the plain
 * `Uint8Array.prototype.indexOf` loop, and concat against one `set()` copy.
 * Run: npm run bench (in packages/bytes).
 */
import { cpus } from 'node:os';
import { concatBytes, indexOfByte, indexOfBytes, setNativeSearch } from '../src/index.js';

const SIZE = 64 * 1024 * 1024;
const haystack = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) haystack[i] = (i * 7919) % 251; // never 0xfe or 0xff
haystack[SIZE - 2] = 0xff;
haystack[SIZE - 1] = 0xfe;
const needle = new TextEncoder().encode('\r\n--mjpegkitboundary');

function measure(name: string, bytes: number, run: () => number): number {
  let sink = 0;
  for (let i = 0; i < 3; i++) sink += run(); // warm up
  const rounds = 10;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) sink += run();
  const seconds = (performance.now() - start) / 1000;
  const mbps = (bytes * rounds) / seconds / 1e6;
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink);
  console.log(`${name.padEnd(44)} ${mbps.toFixed(0).padStart(8)} MB/s`);
  return mbps;
}

console.log(
  `# @mjpeg-kit/bytes — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}`,
);
console.log(`64 MiB haystack, match at the very end\n`);

const plainByte = measure('Uint8Array#indexOf(0xff) (plain loop)', SIZE, () => haystack.indexOf(0xff));
setNativeSearch(true);
const nativeByte = measure('indexOfByte, native path', SIZE, () => indexOfByte(haystack, 0xff));
const nativeNeedle = measure('indexOfBytes(22-byte needle), native path', SIZE, () =>
  indexOfBytes(haystack, needle),
);
setNativeSearch(false);
const jsByte = measure('indexOfByte, pure-JS path', SIZE, () => indexOfByte(haystack, 0xff));
const jsNeedle = measure('indexOfBytes(22-byte needle), pure-JS path', SIZE, () =>
  indexOfBytes(haystack, needle),
);
setNativeSearch(true);

const target = new Uint8Array(SIZE);
const copyOnce = measure('copy limit: set() into a ready 64 MiB buffer', SIZE, () => {
  target.set(haystack);
  return target[SIZE - 1]!;
});
// Realistic: frames of 88 KB that arrived in two pieces, joined into fresh buffers.
const frame = haystack.subarray(0, 88_000);
const halves = [frame.subarray(0, 50_000), frame.subarray(50_000)];
const concat = measure('concatBytes(88 KB frame from 2 pieces) × 762', 762 * 88_000, () => {
  let last = 0;
  for (let i = 0; i < 762; i++) last += concatBytes(halves, 88_000)[87_999]!;
  return last;
});

console.log('\nratios');
console.log(`native byte search / plain loop: ${(nativeByte / plainByte).toFixed(1)}×`);
console.log(`native needle search / pure-JS needle search: ${(nativeNeedle / jsNeedle).toFixed(1)}×`);
console.log(`pure-JS byte search / plain loop: ${(jsByte / plainByte).toFixed(2)}×`);
console.log(`concatBytes / copy limit: ${(concat / copyOnce).toFixed(2)}×`);
