/**
 * sources benchmarks, one run: the synthetic camera's tile-splicing renderer, jpeg-js (a full
 * pure-JS encoder) and the physical limit (copying the frame's bytes once), at 640×480 and
 * 1280×720; then the real source paced at 30 fps, with the CPU it takes.
 * Run: npm run bench (in packages/sources); `-- --quick` for a smoke pass whose numbers are not
 * for quoting. `--baseline` is refused: the paced table times a real source against the clock.
 */
import { printRunHeader, readBenchOptions } from '@mjpeg-kit/bench-support';
import jpeg from 'jpeg-js';
import { syntheticCameraSource, TestPatternRenderer } from '../src/index.js';

const options = readBenchOptions({ baseline: false });
/** Timing window of each throughput cell, and of each paced run. */
const RATE_MS = options.quick ? 100 : 1500;
const COPY_MS = options.quick ? 50 : 300;
const PACED_MS = options.quick ? 500 : 3000;

const row = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;

printRunHeader(
  `@mjpeg-kit/sources benchmark${options.quick ? ' (--quick: smoke pass, not for quoting)' : ''}`,
);

/** Runs `fn` repeatedly for about `ms`; returns calls per second and CPU µs per call. */
function rate(ms: number, fn: (i: number) => number): { perSecond: number; cpuUs: number } {
  let sink = 0;
  for (let i = 0; i < 3; i++) sink += fn(i); // warm up
  const cpu = process.cpuUsage();
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < ms) sink += fn(calls++);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (sink === -1) console.log(sink);
  return { perSecond: calls / seconds, cpuUs: (used.user + used.system) / calls };
}

console.log('## Synthetic camera: frames per second, one core\n');
console.log(
  [
    '- **ours** (`TestPatternRenderer.render`) splices pre-encoded MCU tiles: it picks a tile for each',
    '  16×16 position and copies the header, the tiles with RSTn markers and EOI into one buffer; no',
    '  colour conversion, DCT or Huffman coding per frame.',
    '- **jpeg-js** (`jpeg.encode(rgba, 75)`) encodes the whole frame: YCbCr conversion, DCT,',
    '  quantisation and Huffman coding of every block, on a flat grey frame (its best case).',
    '- **copy limit**: one `set()` of a finished frame, the floor for any JPEG source.',
    '',
    'The two do different work, so no ratio between them is printed.',
    '',
  ].join('\n'),
);
console.log(
  row([
    'size',
    'ours frames/s',
    'ours CPU/frame',
    'frame KB',
    'ours MB/s',
    'jpeg-js frames/s',
    'copy limit frames/s',
    'ours ÷ limit',
  ]),
);
console.log(row(Array(8).fill('---')));
const notes: string[] = [];
for (const [width, height] of [
  [640, 480],
  [1280, 720],
] as const) {
  const started = performance.now();
  const renderer = new TestPatternRenderer({ width, height });
  const setupMs = performance.now() - started;
  const base = Date.UTC(2026, 0, 1);
  const sample = renderer.render(base, 0);
  const ours = rate(RATE_MS, (i) => renderer.render(base + i * 33, i).length);
  const rgba = { data: Buffer.alloc(width * height * 4, 128), width, height };
  const peer = rate(RATE_MS, () => jpeg.encode(rgba, 75).data.length);
  const target = new Uint8Array(sample.length);
  const copy = rate(COPY_MS, () => {
    target.set(sample);
    return target[0]!;
  });
  console.log(
    row([
      `${width}×${height}`,
      ours.perSecond.toFixed(0),
      `${ours.cpuUs.toFixed(0)} µs`,
      (sample.length / 1024).toFixed(1),
      ((ours.perSecond * sample.length) / 1e6).toFixed(0),
      peer.perSecond.toFixed(1),
      copy.perSecond.toFixed(0),
      `${((ours.perSecond / copy.perSecond) * 100).toFixed(1)} %`,
    ]),
  );
  notes.push(
    `${width}×${height}: ${renderer.tileCount} distinct tiles, pre-encoded in ${setupMs.toFixed(0)} ms at start.`,
  );
}
console.log(`\n${notes.join(' ')}`);

console.log(`\n## Synthetic camera paced at 30 fps (the real source, ${PACED_MS / 1000} s each)\n`);
console.log(row(['size', 'frames', 'skipped', 'CPU (% of one core)']));
console.log(row(Array(4).fill('---')));
for (const [width, height] of [
  [640, 480],
  [1280, 720],
] as const) {
  const signal = AbortSignal.timeout(PACED_MS);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const source = syntheticCameraSource({ width, height, fps: 30, signal });
  let bytes = 0;
  for await (const frame of source) bytes += frame.body.length;
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  console.log(
    row([
      `${width}×${height}`,
      source.stats.frames,
      source.stats.skippedFrames,
      `${(((used.user + used.system) / 1e6 / seconds) * 100).toFixed(1)} %`,
    ]),
  );
  if (bytes < 0) console.log(bytes);
}
