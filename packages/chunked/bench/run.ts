/**
 * ChunkedReader over a chunked stream of 88 KB frames cut into 16 KiB and 64 KiB network
 * chunks, against the limits (touching every chunk; copying every byte once), and the
 * encodeChunk writer in operations per second. Run: npm run bench (in packages/chunked);
 * `-- --quick` for a smoke pass, `-- --baseline=<ref>` to time this package against a git ref.
 */
import {
  type BuildCase,
  printBaselineComparison,
  printRunHeader,
  readBenchOptions,
  timeRoundRobin,
} from '@mjpeg-kit/bench-support';
import { concatBytes, encodeAscii } from '@mjpeg-kit/bytes';
import * as workingTree from '../src/index.js';

type Chunked = typeof workingTree;

const options = readBenchOptions({ baseline: true });
const { budgetMs } = options;

const FRAME_BYTES = 88_000;
const FRAMES = 200;
const NETWORK_CHUNKS = [16 * 1024, 64 * 1024];
/** The target for the reader, and what it is compared with like for like. */
const TARGET_VS_COPY_ONCE = 0.8;
const WRITER_BATCH = 10_000;

function cut(input: Uint8Array, size: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let start = 0; start < input.length; start += size) pieces.push(input.subarray(start, start + size));
  return pieces;
}

// Frame bytes do not matter to chunk framing; fill them with a deterministic pattern.
const frames: Uint8Array[] = [];
for (let f = 0; f < FRAMES; f++) {
  const frame = new Uint8Array(FRAME_BYTES);
  for (let i = 0; i < FRAME_BYTES; i++) frame[i] = (i * 7919 + f) & 0xff;
  frames.push(frame);
}
const tail = encodeAscii('\r\n--mjpegkitboundary0123456789abcdef\r\n');
const stream = concatBytes([
  ...frames.flatMap((frame, f) =>
    workingTree.encodeChunk([
      encodeAscii(`Content-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\nX-Frame-Seq: ${f}\r\n\r\n`),
      frame,
      tail,
    ]),
  ),
  workingTree.LAST_CHUNK,
]);
const piecesBySize = new Map(NETWORK_CHUNKS.map((size) => [size, cut(stream, size)]));
const target = new Uint8Array(stream.length);

const kib = (size: number) => `${size / 1024} KiB`;

/** The reader over each chunk size: views only, and views copied once (what an owner pays). */
function readerCases(build: Chunked): BuildCase[] {
  return NETWORK_CHUNKS.flatMap((size): BuildCase[] => {
    const pieces = piecesBySize.get(size)!;
    return [
      {
        name: `ChunkedReader, views (${kib(size)})`,
        bytes: stream.length,
        run: () => {
          const reader = new build.ChunkedReader();
          let sum = 0;
          for (const piece of pieces) for (const data of reader.push(piece)) sum += data.length + data[0]!;
          reader.end();
          return sum;
        },
      },
      {
        // What a consumer pays when it must own the bytes: decode, then copy the data once.
        name: `ChunkedReader + copy the data once (${kib(size)})`,
        bytes: stream.length,
        run: () => {
          const reader = new build.ChunkedReader();
          let offset = 0;
          for (const piece of pieces) {
            for (const data of reader.push(piece)) {
              target.set(data, offset);
              offset += data.length;
            }
          }
          reader.end();
          return target[offset - 1]!;
        },
      },
    ];
  });
}

const head = encodeAscii('Content-Type: image/jpeg\r\nContent-Length: 88000\r\n\r\n');
const audio = new Uint8Array(640);
const sizes = Array.from({ length: 64 }, (_, i) => 80_000 + i * 131);

/** The writer, in batches of WRITER_BATCH calls. */
function writerCases(build: Chunked): BuildCase[] {
  const batch = (name: string, call: (i: number) => number): BuildCase => ({
    name,
    operations: WRITER_BATCH,
    run: () => {
      let sum = 0;
      for (let i = 0; i < WRITER_BATCH; i++) sum += call(i);
      return sum;
    },
  });
  return [
    batch('encodeChunk([head, 88 KB frame, tail])', () => build.encodeChunk([head, frames[0]!, tail]).length),
    batch('encodeChunk(640-byte audio packet)', () => build.encodeChunk(audio).length),
    batch('size line, fresh (encodeChunkSizeLine)', (i) => build.encodeChunkSizeLine(sizes[i & 63]!).length),
  ];
}

function limitCases(size: number): BuildCase[] {
  const pieces = piecesBySize.get(size)!;
  return [
    {
      name: `limit: touch every chunk (${kib(size)})`,
      bytes: stream.length,
      run: () => {
        let sum = 0;
        for (const piece of pieces) sum += piece[0]!;
        return sum;
      },
    },
    {
      name: `limit: copy every byte once (${kib(size)})`,
      bytes: stream.length,
      run: () => {
        let offset = 0;
        for (const piece of pieces) {
          target.set(piece, offset);
          offset += piece.length;
        }
        return target[offset - 1]!;
      },
    },
  ];
}

/** A cache of size lines, measured to show why none is shipped (it would share arrays between callers). */
const cache = new Map<number, Uint8Array>();
const cachedSizeLine = (size: number) => {
  let line = cache.get(size);
  if (line === undefined) cache.set(size, (line = workingTree.encodeChunkSizeLine(size)));
  return line;
};

function printTables(): void {
  console.log(
    `${FRAMES} frames of ${FRAME_BYTES} bytes, one chunk per part, ${stream.length} bytes of chunked body; ` +
      'CPU time, best sample of round-robin passes; a fresh ChunkedReader per pass.\n',
  );
  console.log('| case | MB/s | frames/s | vs copy-once |\n|---|---:|---:|---:|');
  const reader = readerCases(workingTree);
  const likeForLike: string[] = [];
  let met = true;
  for (const [index, size] of NETWORK_CHUNKS.entries()) {
    const [touch, copyOnce] = limitCases(size);
    const [views, viewsCopied] = reader.slice(2 * index, 2 * index + 2);
    const rows = [touch!, copyOnce!, views!, viewsCopied!];
    const seconds = timeRoundRobin(
      rows.map((row) => row.run),
      { budgetMs },
    );
    const copySeconds = seconds[1]!;
    rows.forEach((row, i) => {
      const s = seconds[i]!;
      console.log(
        `| ${row.name} | ${(stream.length / s / 1e6).toFixed(0)} | ${(FRAMES / s).toFixed(0)} | ${(copySeconds / s).toFixed(2)}× |`,
      );
    });
    const ratio = copySeconds / seconds[3]!;
    met &&= ratio >= TARGET_VS_COPY_ONCE;
    likeForLike.push(`${ratio.toFixed(2)}× at ${kib(size)}`);
  }
  console.log(
    `\nTarget ≥ ${TARGET_VS_COPY_ONCE}× copy-once, like for like (reader + one copy of the data ÷ copy every ` +
      `byte once; both copy every byte): ${likeForLike.join(', ')}: ${met ? 'met' : 'not met'}. ` +
      'The views rows copy nothing, so their ratio to copy-once is not like for like.',
  );

  const writer = [
    ...writerCases(workingTree),
    {
      name: 'size line, Map cache hit (not shipped)',
      operations: WRITER_BATCH,
      run: () => {
        let sum = 0;
        for (let i = 0; i < WRITER_BATCH; i++) sum += cachedSizeLine(sizes[i & 63]!).length;
        return sum;
      },
    },
  ];
  const seconds = timeRoundRobin(
    writer.map((row) => row.run),
    { budgetMs },
  );
  console.log('\n| writer | M ops/s |\n|---|---:|');
  for (const [i, row] of writer.entries()) {
    console.log(`| ${row.name} | ${(WRITER_BATCH / seconds[i]! / 1e6).toFixed(1)} |`);
  }
}

printRunHeader('@mjpeg-kit/chunked benchmark');
if (options.baseline !== undefined) {
  await printBaselineComparison({
    ref: options.baseline,
    packageDir: new URL('..', import.meta.url),
    cases: (build: Chunked) => [...readerCases(build), ...writerCases(build)],
    budgetMs,
  });
} else {
  printTables();
}
