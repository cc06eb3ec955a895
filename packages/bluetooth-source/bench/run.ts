/**
 * bluetooth-source benchmarks, one run:
 * 1. Synthetic camera: our tile-splicing renderer against jpeg-js (a pure-JS encoder) and
 *    the physical limit (copying the frame's bytes once), at 640×480 and 1280×720; then the
 *    real source paced at 30 fps, with the CPU it takes.
 * 2. Emulated serial camera over a real pty pair (socat): frames per second in stream,
 *    VC0706 and OV528 modes at 115200 and 921600 baud, against the line rate
 *    (baud / 10 bits per byte / frame bytes).
 * Run: npm run bench (in packages/bluetooth-source).
 */
import { cpus, loadavg } from 'node:os';
import jpeg from 'jpeg-js';
import { syntheticCameraSource, TestPatternRenderer } from '../src/index.js';
import { serialCameraSource } from '../src/node.js';
import { createPtyPair, hasSocat, serveEmulatedCamera } from '../src/testing.js';

const row = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;

console.log(
  `# @mjpeg-kit/bluetooth-source — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${new Date().toISOString()}, load average ${loadavg()[0]!.toFixed(1)}\n`,
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
  row([
    'size',
    'ours frames/s',
    'ours CPU/frame',
    'frame KB',
    'ours MB/s',
    'jpeg-js frames/s',
    'ours ÷ jpeg-js',
    'copy limit frames/s',
    'ours ÷ limit',
  ]),
);
console.log(row(Array(9).fill('---')));
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
  const ours = rate(1500, (i) => renderer.render(base + i * 33, i).length);
  // jpeg-js encodes RGBA; give it the same picture content budget: a flat frame (its best case).
  const rgba = { data: Buffer.alloc(width * height * 4, 128), width, height };
  const peer = rate(1500, () => jpeg.encode(rgba, 75).data.length);
  const target = new Uint8Array(sample.length);
  const copy = rate(300, () => {
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
      `${(ours.perSecond / peer.perSecond).toFixed(0)}×`,
      copy.perSecond.toFixed(0),
      `${((ours.perSecond / copy.perSecond) * 100).toFixed(1)} %`,
    ]),
  );
  notes.push(
    `${width}×${height}: ${renderer.tileCount} distinct tiles, pre-encoded in ${setupMs.toFixed(0)} ms at start.`,
  );
}
console.log(`\n${notes.join(' ')}`);

console.log('\n## Synthetic camera paced at 30 fps (the real source, 3 s each)\n');
console.log(row(['size', 'frames', 'skipped', 'CPU (% of one core)']));
console.log(row(Array(4).fill('---')));
for (const [width, height] of [
  [640, 480],
  [1280, 720],
] as const) {
  const signal = AbortSignal.timeout(3000);
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

if (!hasSocat()) {
  console.log('\n(socat missing: emulated camera throughput skipped)');
} else {
  console.log('\n## Emulated serial camera over a pty (socat), writes paced at the baud rate\n');
  const frames = Array.from({ length: 4 }, (_, i) =>
    new TestPatternRenderer({ width: 160, height: 120 }).render(Date.UTC(2026, 0, 1) + i * 1000, i),
  );
  const frameBytes = Math.round(frames.reduce((sum, f) => sum + f.length, 0) / frames.length);
  console.log(`Frames: 160×120 test pattern, ${frameBytes} bytes on average.\n`);
  console.log(row(['baud', 'mode', 'frames/s', 'line rate frames/s', 'of line rate']));
  console.log(row(Array(5).fill('---')));
  const runs = [
    ['stream', 1024],
    ['vc0706', 1024],
    ['vc0706', 8192],
    ['ov528', 1024],
  ] as const;
  for (const baudRate of [115200, 921600]) {
    const lineRate = baudRate / 10 / frameBytes;
    for (const [mode, blockBytes] of runs) {
      const pty = await createPtyPair();
      const camera = await serveEmulatedCamera({ path: pty.devicePath, mode, frames, baudRate });
      const runMs = baudRate === 115200 ? 4000 : 2500;
      const signal = AbortSignal.timeout(runMs + 3000);
      const source = serialCameraSource({
        path: pty.hostPath,
        mode,
        baudRate,
        signal,
        packageBytes: 512,
        blockBytes,
      });
      let first: number | undefined;
      let count = 0;
      for await (const frame of source) {
        // Time from the first whole frame, so connection set-up (reset, sync) is not counted.
        if (first === undefined) first = performance.now();
        else count++;
        if (performance.now() - first >= runMs) break;
        if (frame.body.length === 0) break;
      }
      const fps = first === undefined ? 0 : count / ((performance.now() - first) / 1000);
      console.log(
        row([
          baudRate,
          mode === 'vc0706'
            ? `vc0706, blockBytes ${blockBytes}`
            : mode === 'ov528'
              ? 'ov528, 512-byte packages'
              : mode,
          fps.toFixed(2),
          lineRate.toFixed(2),
          `${((fps / lineRate) * 100).toFixed(0)} %`,
        ]),
      );
      await camera.close();
      await pty.close();
    }
  }
}
