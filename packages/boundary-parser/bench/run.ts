import { MultipartParser as MjacksonForLatency } from '@mjackson/multipart-parser';
import {
  printBaselineComparisonAndExit,
  printRunHeader,
  QUICK_BUDGET_MS,
  readBenchOptions,
} from '@mjpeg-kit/bench-support';
import { bytesEqual, concatBytes, encodeAscii } from '@mjpeg-kit/bytes';
import { MultipartParser as MultipartParserForLatency } from '../src/index.js';
import {
  mjackson,
  mjacksonContent,
  mjpegConsumer,
  naiveIndexOf,
  ours,
  oursPieces,
  type PiecesScan,
  type Scan,
} from './adapters.js';
import { loadFrames } from './frames.js';

const BOUNDARY = 'mjpegkitboundary7f3a9c';
const RUN_MS = Number(process.env.BENCH_MS ?? 700);
/** `--only=pieces`: only the pieces table (`bodies: 'pieces'` against copy-once and the peers). */
const ONLY_PIECES = process.argv.includes('--only=pieces');
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, needle: Uint8Array, from: number) => number;
const needle = encodeAscii(`\r\n--${BOUNDARY}`);

const { frames, source } = loadFrames(300);
const streamWith = buildStream(true);
const streamWithout = buildStream(false);
const averageFrame = frames.reduce((sum, frame) => sum + frame.length, 0) / frames.length;

printRunHeader('@mjpeg-kit/boundary-parser benchmark');
console.log(`${frames.length} frames, ${(averageFrame / 1024).toFixed(1)} KiB average, from ${source}`);
console.log(
  `stream: ${(streamWith.length / 1e6).toFixed(1)} MB with Content-Length, ${(streamWithout.length / 1e6).toFixed(1)} MB without\n`,
);

const benchOptions = readBenchOptions({ baseline: true });
if (benchOptions.baseline !== undefined) {
  // --baseline=<ref>: ours at the ref against ours in the working tree, both paths, in this process.
  await printBaselineComparisonAndExit({
    ref: benchOptions.baseline,
    packageDir: new URL('..', import.meta.url),
    budgetMs: benchOptions.quick ? QUICK_BUDGET_MS : RUN_MS,
    cases: (build: typeof import('../src/index.js')) =>
      [64 * 1024, 16 * 1024].flatMap((size) =>
        (
          [
            ['Content-Length path', streamWith],
            ['search path (no length)', streamWithout],
          ] as const
        ).map(([path, stream]) => {
          const chunks = cut(stream, size);
          return {
            name: `ours, ${path}, ${size / 1024} KiB chunks`,
            bytes: stream.length,
            run: () => {
              const parser = new build.MultipartParser(BOUNDARY);
              const bodies: Uint8Array[] = [];
              for (const chunk of chunks) for (const part of parser.write(chunk)) bodies.push(part.body);
              for (const part of parser.end()) bodies.push(part.body);
              return bodies.length;
            },
          };
        }),
      ),
  });
}

for (const chunkSize of [64 * 1024, 16 * 1024]) {
  const chunksWith = cut(streamWith, chunkSize);
  const chunksWithout = cut(streamWithout, chunkSize);
  if (!ONLY_PIECES) mainReport(chunkSize, chunksWith, chunksWithout);
  piecesReport(chunkSize, chunksWith, chunksWithout);
}

if (!ONLY_PIECES) latencyReport();

/** Ours (both paths), the peers and the physical limits, in one timed run. */
function mainReport(chunkSize: number, chunksWith: Uint8Array[], chunksWithout: Uint8Array[]): void {
  const contenders: [name: string, scan: Scan, chunks: Uint8Array[], note?: string][] = [
    ['ours, Content-Length path', ours(BOUNDARY), chunksWith],
    ['ours, search path (no length)', ours(BOUNDARY), chunksWithout],
    ['@mjackson/multipart-parser', mjackson(BOUNDARY), chunksWith],
    ['mjpeg-consumer', mjpegConsumer(), chunksWith],
    ['naive indexOf splitter', naiveIndexOf(BOUNDARY), chunksWith],
  ];
  const limits: [name: string, run: () => number][] = [
    ['limit: touch every chunk', () => touch(chunksWith)],
    ['limit: copy every byte once', copyOnce(chunksWith, streamWith.length)],
    ['limit: new exact buffer per frame + copy once', allocAndCopy(chunksWith, chunkSize)],
    ['limit: indexOf of the boundary, whole stream', () => scanAll(streamWithout)],
  ];

  console.log(`### ${chunkSize / 1024} KiB chunks\n`);
  console.log('| contender | output | MB/s | frames/s | vs copy-once | vs indexOf scan |');
  console.log('|---|---|--:|--:|--:|--:|');
  const verdicts = contenders.map(([, scan, chunks]) => check(scan(chunks)));
  const seconds = timeAll([
    ...contenders.map(
      ([, scan, chunks]) =>
        () =>
          scan(chunks).length,
    ),
    ...limits.map(([, run]) => run),
  ]);
  const rows: [string, string, number][] = contenders.map(([name], i) => [name, verdicts[i]!, seconds[i]!]);
  const limitRows: [string, number][] = limits.map(([name], i) => [name, seconds[contenders.length + i]!]);
  const copySeconds = limitRows[1]![1];
  const scanSeconds = limitRows[3]![1];
  const allocSeconds = limitRows[2]![1];
  for (const [name, verdict, seconds] of rows)
    print(name, verdict, seconds, streamWith.length, copySeconds, scanSeconds);
  for (const [name, seconds] of limitRows)
    print(name, '—', seconds, streamWith.length, copySeconds, scanSeconds);
  const best = Math.min(
    ...rows
      .slice(2)
      .filter(([, verdict]) => verdict === 'correct')
      .map(([, , s]) => s),
  );
  console.log(
    `\nours (length) vs best correct peer: ${(best / rows[0]![2]).toFixed(1)}×; ` +
      `length path vs new-buffer-per-frame + copy: ${(allocSeconds / rows[0]![2]).toFixed(2)}×; ` +
      `search path vs indexOf scan: ${(scanSeconds / rows[1]![2]).toFixed(2)}×\n`,
  );
}

/**
 * `bodies: 'pieces'` (each body as views of the chunks, nothing copied) against copying every
 * byte once, ours with contiguous bodies, and every peer, @mjackson/multipart-parser also in its
 * own pieces form (`part.content`, unjoined), in one timed run. Pieces are checked by joining
 * them, outside the timing.
 */
function piecesReport(chunkSize: number, chunksWith: Uint8Array[], chunksWithout: Uint8Array[]): void {
  const joined =
    (scan: PiecesScan): Scan =>
    (chunks) =>
      scan(chunks).map((pieces) => concatBytes(pieces));
  type Row = [name: string, run: () => number, check: () => Uint8Array[], peer: boolean];
  const piecesRow = (name: string, scan: PiecesScan, chunks: Uint8Array[], peer = false): Row => [
    name,
    () => scan(chunks).length,
    () => joined(scan)(chunks),
    peer,
  ];
  const row = (name: string, scan: Scan, chunks: Uint8Array[], peer = true): Row => [
    name,
    () => scan(chunks).length,
    () => scan(chunks),
    peer,
  ];
  const rows: Row[] = [
    piecesRow("ours, bodies: 'pieces', Content-Length path", oursPieces(BOUNDARY), chunksWith),
    piecesRow("ours, bodies: 'pieces', search path (no length)", oursPieces(BOUNDARY), chunksWithout),
    row('ours, contiguous bodies, Content-Length path', ours(BOUNDARY), chunksWith, false),
    row('@mjackson/multipart-parser (part.bytes)', mjackson(BOUNDARY), chunksWith),
    piecesRow(
      '@mjackson/multipart-parser, part.content (pieces, unjoined)',
      mjacksonContent(BOUNDARY),
      chunksWith,
      true,
    ),
    row('mjpeg-consumer', mjpegConsumer(), chunksWith),
    row('naive indexOf splitter', naiveIndexOf(BOUNDARY), chunksWith),
  ];
  const verdicts = rows.map(([, , output]) => check(output()));
  const seconds = timeAll([...rows.map(([, run]) => run), copyOnce(chunksWith, streamWith.length)]);
  const copySeconds = seconds[rows.length]!;
  const peers = rows
    .map(([name, , , peer], i) => ({ name, peer, seconds: seconds[i]!, correct: verdicts[i] === 'correct' }))
    .filter((entry) => entry.peer && entry.correct);
  const best = peers.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const mjacksonSeconds = seconds[3]!;

  console.log(`### ${chunkSize / 1024} KiB chunks, bodies as pieces\n`);
  console.log(
    '| contender | output | MB/s | frames/s | vs copy-once | vs best peer | vs @mjackson (part.bytes) |',
  );
  console.log('|---|---|--:|--:|--:|--:|--:|');
  const printRow = (name: string, verdict: string, s: number) =>
    console.log(
      `| ${name} | ${verdict} | ${(streamWith.length / s / 1e6).toFixed(0)} | ${(frames.length / s).toFixed(0)} | ` +
        `${(copySeconds / s).toFixed(2)}× | ${(best.seconds / s).toFixed(2)}× | ${(mjacksonSeconds / s).toFixed(2)}× |`,
    );
  for (const [i, [name]] of rows.entries()) printRow(name, verdicts[i]!, seconds[i]!);
  printRow('limit: copy every byte once', '—', copySeconds);
  console.log(
    `\npieces (length path) vs copy-once: ${(copySeconds / seconds[0]!).toFixed(2)}×; ` +
      `vs best correct peer (${best.name}): ${(best.seconds / seconds[0]!).toFixed(2)}×; ` +
      `vs @mjackson/multipart-parser (part.bytes): ${(mjacksonSeconds / seconds[0]!).toFixed(2)}×\n`,
  );
}

/**
 * Which write() returns each frame. Two ways servers write: mjpeg-kit's (delimiter right after
 * the body) cut into TCP-segment-sized chunks, and the camera/GStreamer multipartmux way (the
 * delimiter before each part, CRLF after the body, one write per frame). Ours returns a frame
 * with the write holding the body's end and the two bytes after it; a parser that waits for
 * the next delimiter hands each frame over one write (one frame interval) late.
 */
function latencyReport(): void {
  const head = (i: number) =>
    `Content-Type: image/jpeg\r\nContent-Length: ${frames[i]!.length}\r\nX-Timestamp: ${(1_700_000_000 + i / 30).toFixed(6)}\r\n\r\n`;
  // mjpeg-kit layout, 1460-byte chunks: frame i is due in the chunk holding body end + 2 bytes.
  const segment = 1460;
  const segments = cut(streamWith, segment);
  const dueSegment: number[] = [];
  let offset = `--${BOUNDARY}\r\n`.length;
  for (const [i, frame] of frames.entries()) {
    offset += head(i).length + frame.length;
    dueSegment.push(Math.floor((offset + 1) / segment));
    offset += `\r\n--${BOUNDARY}\r\n`.length;
  }
  // Camera layout: write i = delimiter, head, body, CRLF; frame i is due in write i.
  const cameraWrites = frames.map((frame, i) =>
    Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n${head(i)}`), frame, Buffer.from('\r\n')]),
  );
  const dueWrite = frames.map((_, i) => i);

  console.log('### Latency: frames returned after the write() that completed them\n');
  console.log('| server layout | ours | @mjackson/multipart-parser |');
  console.log('|---|--:|--:|');
  for (const [name, writes, due] of [
    [`mjpeg-kit (delimiter after body), ${segment}-byte chunks`, segments, dueSegment],
    ['camera / GStreamer multipartmux (delimiter before part), one write per frame', cameraWrites, dueWrite],
  ] as const) {
    const ourParser = new MultipartParserForLatency(BOUNDARY);
    const theirParser = new MjacksonForLatency(BOUNDARY, { maxFileSize: 64 * 1024 * 1024 });
    let ourCount = 0;
    let theirCount = 0;
    let ourLate = 0;
    let theirLate = 0;
    writes.forEach((chunk, w) => {
      for (const _ of ourParser.write(chunk)) if (w > due[ourCount++]!) ourLate++;
      for (const _ of theirParser.write(chunk)) if (w > due[theirCount++]!) theirLate++;
    });
    console.log(`| ${name} | ${ourLate} of ${ourCount} late | ${theirLate} of ${theirCount} late |`);
  }
  console.log();
}

function print(
  name: string,
  verdict: string,
  seconds: number,
  size: number,
  copy: number,
  scan: number,
): void {
  const mbps = size / seconds / 1e6;
  console.log(
    `| ${name} | ${verdict} | ${mbps.toFixed(0)} | ${(frames.length / seconds).toFixed(0)} | ${(copy / seconds).toFixed(2)}× | ${(scan / seconds).toFixed(2)}× |`,
  );
}

/** Output equality first: the same frames, byte for byte, in order. */
function check(output: Uint8Array[]): string {
  let good = 0;
  for (let i = 0; i < Math.min(output.length, frames.length); i++)
    if (bytesEqual(output[i]!, frames[i]!)) good++;
  if (output.length === frames.length && good === frames.length) return 'correct';
  return `WRONG: ${output.length} frames, ${good} match`;
}

/**
 * Each run's fastest CPU seconds (user + system, this process). The machine is shared with
 * other test suites, so wall time mostly measures the scheduler; CPU time and the minimum over
 * runs are the least noisy. After two warm-ups each, the runs take turns (round robin, the
 * order rotating every pass) for about RUN_MS of CPU each, so each is timed after each of
 * the others and none always pays for the garbage (22 MB of frames) of the same neighbour.
 * (Forcing a full collection before each sample made every allocating run ~2x slower.)
 * Fresh parser each run.
 */
function timeAll(runs: (() => number)[]): number[] {
  let sink = 0;
  const batches = runs.map((run) => {
    sink += run();
    const probe = process.cpuUsage();
    sink += run();
    // Batch fast runs so each sample is at least 30 ms of CPU (cpuUsage is not fine-grained).
    return Math.max(1, Math.ceil(30_000 / Math.max(cpuMicros(probe), 1)));
  });
  const best = runs.map(() => Number.POSITIVE_INFINITY);
  let spent = 0;
  for (let pass = 0; pass < 5 || (spent < RUN_MS * 1000 * runs.length && pass < 100); pass++) {
    for (let k = 0; k < runs.length; k++) {
      const i = (pass + k) % runs.length;
      const run = runs[i]!;
      const start = process.cpuUsage();
      for (let b = 0; b < batches[i]!; b++) sink += run();
      const micros = cpuMicros(start);
      spent += micros;
      best[i] = Math.min(best[i]!, micros / batches[i]! / 1e6);
    }
  }
  if (sink === -1) console.log(sink);
  return best.map((seconds) => Math.max(seconds, 1e-9));
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** What any API returning one exactly sized buffer per frame must do: allocate it, copy into it. */
function allocAndCopy(chunks: Uint8Array[], chunkSize: number): () => number {
  const spans: number[][] = []; // per frame: [chunkIndex, from, to, …]
  let offset = 0;
  const bodyStarts: number[] = [];
  const stream = streamWith;
  for (const frame of frames) {
    offset = stream.indexOf(0xff, offset); // each body starts with SOI (FF D8)
    while (stream[offset + 1] !== 0xd8) offset = stream.indexOf(0xff, offset + 1);
    bodyStarts.push(offset);
    const span: number[] = [];
    for (let at = offset; at < offset + frame.length; ) {
      const index = Math.floor(at / chunkSize);
      const to = Math.min(offset + frame.length, (index + 1) * chunkSize);
      span.push(index, at - index * chunkSize, to - index * chunkSize);
      at = to;
    }
    spans.push(span);
    offset += frame.length;
  }
  return () => {
    let sum = 0;
    for (const span of spans) {
      let length = 0;
      for (let i = 0; i < span.length; i += 3) length += span[i + 2]! - span[i + 1]!;
      const out = new Uint8Array(length);
      let at = 0;
      for (let i = 0; i < span.length; i += 3) {
        const chunk = chunks[span[i]!]!;
        const from = span[i + 1]!;
        const to = span[i + 2]!;
        const part = from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to);
        out.set(part, at);
        at += part.length;
      }
      sum += out[0]!;
    }
    return sum;
  };
}

function touch(chunks: Uint8Array[]): number {
  let sum = 0;
  for (const chunk of chunks) sum += chunk[0]! + chunk.length;
  return sum;
}

function copyOnce(chunks: Uint8Array[], total: number): () => number {
  const target = new Uint8Array(total);
  return () => {
    let offset = 0;
    for (const chunk of chunks) {
      target.set(chunk, offset);
      offset += chunk.length;
    }
    return target[offset - 1]!;
  };
}

function scanAll(stream: Uint8Array): number {
  let count = 0;
  let at = indexOf.call(stream, needle, 0);
  while (at !== -1) {
    count++;
    at = indexOf.call(stream, needle, at + needle.length);
  }
  return count;
}

function buildStream(withLength: boolean): Uint8Array {
  const parts: Uint8Array[] = [encodeAscii(`--${BOUNDARY}\r\n`)];
  frames.forEach((frame, i) => {
    const length = withLength ? `Content-Length: ${frame.length}\r\n` : '';
    const timestamp = (1_700_000_000 + i / 30).toFixed(6);
    parts.push(encodeAscii(`Content-Type: image/jpeg\r\n${length}X-Timestamp: ${timestamp}\r\n\r\n`));
    parts.push(frame);
    parts.push(encodeAscii(`\r\n--${BOUNDARY}\r\n`));
  });
  parts[parts.length - 1] = encodeAscii(`\r\n--${BOUNDARY}--\r\n`);
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const stream = Buffer.alloc(total);
  let offset = 0;
  for (const part of parts) {
    stream.set(part, offset);
    offset += part.length;
  }
  return stream;
}

/** Chunks as separate Buffers (a socket's shape; mjpeg-consumer needs Buffer methods). */
function cut(stream: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += size) chunks.push(Buffer.from(stream.subarray(i, i + size)));
  return chunks;
}
