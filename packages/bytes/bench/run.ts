/**
 * Byte primitives: the native (memchr) and pure-JS search paths against the plain
 * `Uint8Array.prototype.indexOf` loop, and concat against one `set()` copy.
 * Run: npm run bench (in packages/bytes); `-- --quick` for a smoke pass, `-- --baseline=<ref>`
 * to time this package against a git ref in one process.
 */
import {
  type BuildCase,
  printBaselineComparison,
  printRunHeader,
  readBenchOptions,
  timeRoundRobin,
} from '@mjpeg-kit/bench-support';
import * as workingTree from '../src/index.js';

type Bytes = typeof workingTree;

const options = readBenchOptions({ baseline: true });
const { budgetMs } = options;

const SIZE = 64 * 1024 * 1024;
const haystack = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) haystack[i] = (i * 7919) % 251; // never 0xfe or 0xff
haystack[SIZE - 2] = 0xff;
haystack[SIZE - 1] = 0xfe;
const needle = new TextEncoder().encode('\r\n--mjpegkitboundary');
// Frames of 88 KB that arrived in two pieces, joined into fresh buffers.
const FRAME_BYTES = 88_000;
const JOINS = 762;
const frame = haystack.subarray(0, FRAME_BYTES);
const halves = [frame.subarray(0, 50_000), frame.subarray(50_000)];

/** The pure-JS path for one call; the native path is restored after it. */
function pureJs(build: Bytes, search: () => number): () => number {
  return () => {
    build.setNativeSearch(false);
    try {
      return search();
    } finally {
      build.setNativeSearch(true);
    }
  };
}

/** The package's operations, from one build of it: the same adapters time a baseline. */
function packageCases(build: Bytes): BuildCase[] {
  return [
    { name: 'indexOfByte, native path', bytes: SIZE, run: () => build.indexOfByte(haystack, 0xff) },
    {
      name: 'indexOfBytes, 22-byte needle, native path',
      bytes: SIZE,
      run: () => build.indexOfBytes(haystack, needle),
    },
    {
      name: 'indexOfByte, pure-JS path',
      bytes: SIZE,
      run: pureJs(build, () => build.indexOfByte(haystack, 0xff)),
    },
    {
      name: 'indexOfBytes, 22-byte needle, pure-JS path',
      bytes: SIZE,
      run: pureJs(build, () => build.indexOfBytes(haystack, needle)),
    },
    {
      name: `concatBytes of an 88 KB frame from 2 pieces (fresh buffer each, ×${JOINS})`,
      bytes: JOINS * FRAME_BYTES,
      run: () => {
        let last = 0;
        for (let i = 0; i < JOINS; i++) last += build.concatBytes(halves, FRAME_BYTES)[FRAME_BYTES - 1]!;
        return last;
      },
    },
  ];
}

const target = new Uint8Array(SIZE);
/** What no byte search or copy can beat, and the loop the native path replaces. */
const limitCases: BuildCase[] = [
  { name: '`Uint8Array#indexOf(0xff)` (the plain loop)', bytes: SIZE, run: () => haystack.indexOf(0xff) },
  {
    name: 'copy limit: `set()` into a ready 64 MiB buffer',
    bytes: SIZE,
    run: () => {
      target.set(haystack);
      return target[SIZE - 1]!;
    },
  },
];

printRunHeader('@mjpeg-kit/bytes benchmark');
if (options.baseline !== undefined) {
  await printBaselineComparison({
    ref: options.baseline,
    packageDir: new URL('..', import.meta.url),
    cases: packageCases,
    budgetMs,
  });
} else {
  console.log(
    '64 MiB haystack with the match at its very end; CPU time, best sample of round-robin passes.\n',
  );
  const [plain, copy] = limitCases;
  const [nativeByte, nativeNeedle, jsByte, jsNeedle, concat] = packageCases(workingTree);
  const rows = [plain!, nativeByte!, nativeNeedle!, jsByte!, jsNeedle!, copy!, concat!];
  const seconds = timeRoundRobin(
    rows.map((row) => row.run),
    { budgetMs },
  );
  const mbps = rows.map((row, i) => row.bytes! / seconds[i]! / 1e6);
  console.log('| operation | MB/s |\n|---|---:|');
  for (const [i, row] of rows.entries()) console.log(`| ${row.name} | ${mbps[i]!.toFixed(0)} |`);
  const rate = (row: BuildCase) => mbps[rows.indexOf(row)]!;
  console.log(
    [
      '',
      `native byte search ÷ plain loop: ${(rate(nativeByte!) / rate(plain!)).toFixed(1)}×`,
      `native needle search ÷ pure-JS needle search: ${(rate(nativeNeedle!) / rate(jsNeedle!)).toFixed(1)}×`,
      `pure-JS byte search ÷ plain loop: ${(rate(jsByte!) / rate(plain!)).toFixed(2)}×`,
      `concatBytes into a fresh buffer ÷ copy into a ready one: ${(rate(concat!) / rate(copy!)).toFixed(2)}×`,
    ].join('\n'),
  );
}
