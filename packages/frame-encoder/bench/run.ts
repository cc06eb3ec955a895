/**
 * The cost of framing one 88 KB JPEG as a multipart part: encodePart against the limit (one
 * fresh head array, copied from ready bytes), and for 1000 viewers, with real writes to 1000
 * discarding `Writable` sinks: one part encoded once and shared, against a naive per-viewer
 * encode + concat, against the bare writes of a ready part.
 * Run: npm run bench (in packages/frame-encoder); `-- --quick` for a smoke pass,
 * `-- --baseline=<ref>` to time this package against a git ref in one process.
 */
import { Writable } from 'node:stream';
import {
  type BuildCase,
  printBaselineComparison,
  printRunHeader,
  readBenchOptions,
  timeRoundRobin,
} from '@mjpeg-kit/bench-support';
import { concatBytes, type MediaPacket } from '@mjpeg-kit/bytes';
import * as workingTree from '../src/index.js';

type FrameEncoder = typeof workingTree;

const options = readBenchOptions({ baseline: true });
const { budgetMs } = options;

const FRAME_BYTES = 88_000;
/** Parts framed per call in the one-viewer cases. */
const BATCH = 1000;
const VIEWERS = 1000;
/** Frames per call in the shared and limit viewer cases (the naive one does one). */
const VIEWER_FRAMES = 10;

const frame = new Uint8Array(FRAME_BYTES);
for (let i = 0; i < FRAME_BYTES; i++) frame[i] = (i * 7919) & 0xff;
const timestamp = Date.now();
const sample = new workingTree.MultipartEncoder().encodePart(frame, { timestamp, seq: 123_456 });
const readyHead = sample[0]!;
const readyPart = concatBytes(sample);
const partBytes = readyPart.length;

/**
 * A viewer's socket without the kernel: a `Writable` that accepts every write at once and keeps
 * nothing, so a write costs what Node's stream machinery costs per write. Its write callbacks
 * complete synchronously; Node batches their after-write bookkeeping into one tick per sink.
 */
function discardingSink(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}
const sinks = Array.from({ length: VIEWERS }, discardingSink);

/** Framing one part for one viewer, from one build: the same adapters time a baseline. */
function framingCases(build: FrameEncoder): BuildCase[] {
  const encoder = new build.MultipartEncoder();
  const packet: MediaPacket = { type: 'image/jpeg', body: frame, timestamp, seq: 1 };
  const batch = (name: string, call: (i: number) => number): BuildCase => ({
    name,
    operations: BATCH,
    run: () => {
      let sum = 0;
      for (let i = 0; i < BATCH; i++) sum += call(i);
      return sum;
    },
  });
  return [
    batch(
      'encodePart(frame, { timestamp, seq })',
      (i) => encoder.encodePart(frame, { timestamp: timestamp + i, seq: i })[0]!.length,
    ),
    batch('encodePart(frame) (Content-Type, Content-Length)', () => encoder.encodePart(frame)[0]!.length),
    batch('encodePacket(packet)', (i) => {
      packet.seq = i;
      return encoder.encodePacket(packet)[0]!.length;
    }),
    batch(
      'encodePart(frame, {}, { advanceHeaders })',
      (i) =>
        encoder.encodePart(frame, {}, { advanceHeaders: true, advanceTimestamp: timestamp + i })[2]!.length,
    ),
  ];
}

/** 1000 viewers with real writes, from one build. `operations` counts viewer-frames. */
function viewerCases(build: FrameEncoder): BuildCase[] {
  const encoder = new build.MultipartEncoder();
  return [
    {
      // The server's way: encode once per frame, join the pieces once, one write per viewer.
      name: `${VIEWERS} viewers: encodePart + join once per frame, one write each`,
      operations: VIEWER_FRAMES * VIEWERS,
      run: () => {
        let sum = 0;
        for (let f = 0; f < VIEWER_FRAMES; f++) {
          const part = concatBytes(encoder.encodePart(frame, { timestamp: timestamp + f, seq: f }));
          for (const sink of sinks) sink.write(part);
          sum += part.length;
        }
        return sum;
      },
    },
    {
      name: `${VIEWERS} viewers: naive encodePart + concat per viewer, one write each`,
      operations: VIEWERS,
      run: () => {
        let sum = 0;
        for (const [v, sink] of sinks.entries()) {
          const part = concatBytes(encoder.encodePart(frame, { timestamp, seq: v }), partBytes);
          sink.write(part);
          sum += part[v]!;
        }
        return sum;
      },
    },
  ];
}

function headLimitCases(): BuildCase[] {
  let slab = new Uint8Array(16 * 1024);
  let slabUsed = 0;
  return [
    {
      name: 'limit: allocate + copy a ready head',
      operations: BATCH,
      run: () => {
        let sum = 0;
        for (let i = 0; i < BATCH; i++) {
          const head = new Uint8Array(readyHead.length);
          head.set(readyHead);
          sum += head[i & 63]!;
        }
        return sum;
      },
    },
    {
      // The trick encodePart uses: a view of a larger buffer, no allocation for each head.
      name: 'limit: slab view + copy a ready head',
      operations: BATCH,
      run: () => {
        let sum = 0;
        for (let i = 0; i < BATCH; i++) {
          if (slabUsed + readyHead.length > slab.length) {
            slab = new Uint8Array(16 * 1024);
            slabUsed = 0;
          }
          const head = slab.subarray(slabUsed, (slabUsed += readyHead.length));
          head.set(readyHead);
          sum += head[i & 63]!;
        }
        return sum;
      },
    },
  ];
}

const writeLimit: BuildCase = {
  name: `${VIEWERS} viewers, limit: one write of a ready part each`,
  operations: VIEWER_FRAMES * VIEWERS,
  run: () => {
    for (let f = 0; f < VIEWER_FRAMES; f++) for (const sink of sinks) sink.write(readyPart);
    return readyPart.length;
  },
};

/** Times `rows` together; the first row is the limit the others are divided by. */
function printTable(title: string, unit: string, rows: BuildCase[], { delivered = false } = {}): void {
  const seconds = timeRoundRobin(
    rows.map((row) => row.run),
    { budgetMs },
  );
  const limitRate = rows[0]!.operations! / seconds[0]!;
  console.log(`\n${title}\n`);
  console.log(
    delivered
      ? `| case | ${unit}/s | MB/s written | vs limit |\n|---|---:|---:|---:|`
      : `| case | ${unit}/s | vs limit |\n|---|---:|---:|`,
  );
  rows.forEach((row, i) => {
    const rate = row.operations! / seconds[i]!;
    const written = delivered ? ` ${((rate * partBytes) / 1e6).toFixed(0)} |` : '';
    const ratio = rate / limitRate;
    const shown = ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
    console.log(`| ${row.name} | ${rate.toFixed(0)} |${written} ${shown}× |`);
  });
}

printRunHeader('@mjpeg-kit/frame-encoder benchmark');
if (options.baseline !== undefined) {
  await printBaselineComparison({
    ref: options.baseline,
    packageDir: new URL('..', import.meta.url),
    cases: (build: FrameEncoder) => [...framingCases(build), ...viewerCases(build)],
    budgetMs,
  });
} else {
  console.log(
    `One ${FRAME_BYTES}-byte frame; head ${readyHead.length} bytes (Content-Type, Content-Length, ` +
      `X-Timestamp, X-Frame-Seq), part ${partBytes} bytes. CPU time, best sample of round-robin passes.`,
  );
  printTable('Framing one part (one viewer)', 'parts', [...headLimitCases(), ...framingCases(workingTree)]);
  printTable(
    `${VIEWERS} viewers, each part written to each viewer's discarding Writable`,
    'viewer-frames',
    [writeLimit, ...viewerCases(workingTree)],
    { delivered: true },
  );
}
