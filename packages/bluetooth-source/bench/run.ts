/**
 * bluetooth-source benchmark: the emulated serial camera over a real pty pair (socat), frames
 * per second in stream, VC0706 and OV528 modes at 115200 and 921600 baud, against the line
 * rate (baud / 10 bits per byte / frame bytes).
 * Run: npm run bench (in packages/bluetooth-source); `-- --quick` for a smoke pass (short runs,
 * numbers not for quoting). `--baseline` is refused: the bench times a pty against the clock.
 */
import {
  printRunHeader,
  readBenchOptions,
  requirePrerequisites,
  toolPrerequisite,
} from '@mjpeg-kit/bench-support';
import { TestPatternRenderer } from '@mjpeg-kit/sources';
import { serialCameraSource } from '../src/node.js';
import { createPtyPair, serveEmulatedCamera } from '../src/testing.js';

const options = readBenchOptions({ baseline: false });
const row = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;

printRunHeader(
  `@mjpeg-kit/bluetooth-source benchmark${options.quick ? ' (--quick: smoke pass, not for quoting)' : ''}`,
);
await requirePrerequisites([
  toolPrerequisite('socat', 'the bluetooth-source bench (the emulated camera over a pty)'),
]);

console.log('## Emulated serial camera over a pty (socat), writes paced at the baud rate\n');
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
    const runMs = options.quick ? 500 : baudRate === 115200 ? 4000 : 2500;
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
