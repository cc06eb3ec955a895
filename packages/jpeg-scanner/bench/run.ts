/**
 * JpegScanner against pipe2jpeg, a naive FF D8 / FF D9 splitter and the limit of a native
 * FF D9 search over the same bytes, on 300 real 720p frames (ffmpeg, ~90 KB each), plain and
 * with an EXIF thumbnail in every frame, cut at 64 KiB and 1.5 KiB; then `frames: 'pieces'`
 * (no copy) against copying every byte once and the peers, in 64 KiB and 16 KiB chunks.
 * Run: npm run bench (in packages/jpeg-scanner); `npm run bench -- --only=pieces` for the
 * pieces table alone. Prints markdown tables.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printBaselineComparisonAndExit, printRunHeader, readBenchOptions } from '@mjpeg-kit/bench-support';
import { bytesEqual, concatBytes, indexOfBytes } from '@mjpeg-kit/bytes';
import { JpegScanner } from '../src/index.js';

const require = createRequire(import.meta.url);
const Pipe2Jpeg = require('pipe2jpeg') as new () => {
  on(event: 'jpeg', listener: (jpeg: Buffer) => void): void;
  _transform(chunk: Buffer, encoding: string, callback: () => void): void;
};

const FRAME_COUNT = 300;
/** `--only=pieces`: only the pieces table. */
const ONLY_PIECES = process.argv.includes('--only=pieces');
const cacheDir = join(tmpdir(), 'mjpeg-kit-jpeg-scanner-bench-720p');

/** 300 separate JPEG files from ffmpeg (the truth), made once and cached. */
function loadFrames(): Uint8Array[] {
  const have = existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => name.endsWith('.jpg')) : [];
  if (have.length !== FRAME_COUNT) {
    mkdirSync(cacheDir, { recursive: true });
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
      ...['-i', 'testsrc2=size=1280x720:rate=30', '-vf', 'noise=alls=8:allf=t'],
      ...['-frames:v', String(FRAME_COUNT), '-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p'],
      join(cacheDir, 'frame-%03d.jpg'),
    ]);
  }
  return readdirSync(cacheDir)
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .map((name) => new Uint8Array(readFileSync(join(cacheDir, name))));
}

/** The APP1 (Exif with a thumbnail and its own FF D8…FF D9) of a corpus file, put after each SOI. */
function withExifThumbnail(frames: Uint8Array[]): Uint8Array[] {
  const donor = new Uint8Array(
    readFileSync(fileURLToPath(new URL('../test/corpus/exif-thumbnail-mm.jpg', import.meta.url))),
  );
  let at = 2;
  while (donor[at + 1] !== 0xe1) at += 2 + (((donor[at + 2] as number) << 8) | (donor[at + 3] as number));
  const app1 = donor.subarray(at, at + 2 + (((donor[at + 2] as number) << 8) | (donor[at + 3] as number)));
  return frames.map((frame) => concatBytes([frame.subarray(0, 2), app1, frame.subarray(2)]));
}

function chunk(stream: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let from = 0; from < stream.length; from += size) chunks.push(stream.subarray(from, from + size));
  return chunks;
}

type Adapter = (chunks: readonly Uint8Array[]) => Uint8Array[];

const EOI = new Uint8Array([0xff, 0xd9]);
const SOI = new Uint8Array([0xff, 0xd8]);

/** Ours with `frames: 'pieces'`: each frame as views of the chunks, nothing copied. */
const oursPieces = (chunks: readonly Uint8Array[]): Uint8Array[][] => {
  const scanner = new JpegScanner({ frames: 'pieces' });
  const frames: Uint8Array[][] = [];
  for (const piece of chunks) for (const frame of scanner.push(piece)) frames.push(frame);
  return frames;
};

const adapters: Record<string, Adapter> = {
  '@mjpeg-kit/jpeg-scanner': (chunks) => {
    const scanner = new JpegScanner();
    const frames: Uint8Array[] = [];
    for (const piece of chunks) for (const frame of scanner.push(piece)) frames.push(frame);
    return frames;
  },
  pipe2jpeg: (chunks) => {
    const splitter = new Pipe2Jpeg();
    const frames: Uint8Array[] = [];
    splitter.on('jpeg', (jpeg) => frames.push(jpeg));
    const done = (): void => {};
    for (const piece of chunks) splitter._transform(piece as Buffer, 'buffer', done);
    return frames;
  },
  'naive FF D8…FF D9': (chunks) => {
    // Find SOI, then the next FF D9: what naive MJPEG clients do, made streaming.
    const frames: Uint8Array[] = [];
    let pieces: Uint8Array[] = [];
    let inFrame = false;
    let carry = new Uint8Array(0);
    for (const raw of chunks) {
      const piece = carry.length > 0 ? concatBytes([carry, raw]) : raw;
      carry = new Uint8Array(0);
      let position = 0;
      let searchFrom = 0; // a frame going on from the last chunk: its FF D9 may be right here
      for (;;) {
        if (!inFrame) {
          const soi = indexOfBytes(piece, SOI, position);
          if (soi === -1) {
            if (piece[piece.length - 1] === 0xff) carry = piece.subarray(piece.length - 1);
            break;
          }
          inFrame = true;
          position = soi;
          searchFrom = soi + 2;
          pieces = [];
        }
        const eoi = indexOfBytes(piece, EOI, searchFrom);
        if (eoi === -1) {
          const keep = piece[piece.length - 1] === 0xff ? piece.length - 1 : piece.length;
          pieces.push(piece.subarray(position, keep));
          carry = piece.subarray(keep);
          break;
        }
        pieces.push(piece.subarray(position, eoi + 2));
        frames.push(pieces.length === 1 ? (pieces[0] as Uint8Array) : concatBytes(pieces));
        inFrame = false;
        position = eoi + 2;
        searchFrom = position;
      }
    }
    return frames;
  },
};

const limits: Record<string, Adapter> = {
  'limit: native FF D9 search': (chunks) => {
    let found = 0;
    for (const piece of chunks) {
      for (let at = indexOfBytes(piece, EOI); at !== -1; at = indexOfBytes(piece, EOI, at + 2)) found++;
    }
    return new Array(found);
  },
  'limit: FF D9 search + one copy': (chunks) => {
    let found = 0;
    const target = new Uint8Array(1 << 20);
    let used = 0;
    for (const piece of chunks) {
      if (used + piece.length > target.length) used = 0;
      target.set(piece, used);
      used += piece.length;
      for (let at = indexOfBytes(piece, EOI); at !== -1; at = indexOfBytes(piece, EOI, at + 2)) found++;
    }
    return new Array(found);
  },
};

/**
 * Times every contender on the same chunks, round-robin so that a busy machine slows them
 * alike, and keeps each one's best pass (seconds). About 3 s per configuration.
 */
function timeAll(contenders: [string, Adapter][], chunks: readonly Uint8Array[]): Map<string, number> {
  const best = new Map<string, number>();
  let sink = 0;
  for (const [, run] of contenders) for (let i = 0; i < 3; i++) sink += run(chunks).length; // warm up
  const deadline = performance.now() + 3000;
  for (let round = 0; round < 40 && (round < 5 || performance.now() < deadline); round++) {
    for (const [label, run] of contenders) {
      // CPU time of this process, not wall time: steadier on a shared machine.
      const start = process.cpuUsage();
      sink += run(chunks).length;
      const used = process.cpuUsage(start);
      const seconds = (used.user + used.system) / 1e6;
      best.set(label, Math.min(best.get(label) ?? Number.POSITIVE_INFINITY, seconds));
    }
  }
  if (sink === -1) console.log(sink); // consume the results
  return best;
}

function countRight(frames: readonly Uint8Array[], truth: readonly Uint8Array[]): number {
  let right = 0;
  for (let i = 0; i < Math.min(frames.length, truth.length); i++) {
    if (bytesEqual(frames[i] as Uint8Array, truth[i] as Uint8Array)) right++;
  }
  return right;
}

const plain = loadFrames();
const datasets: [string, Uint8Array[]][] = ONLY_PIECES
  ? []
  : [
      ['720p', plain],
      ['720p + EXIF thumbnail', withExifThumbnail(plain)],
    ];

printRunHeader('@mjpeg-kit/jpeg-scanner benchmark');
const benchOptions = readBenchOptions({ baseline: true });
if (benchOptions.baseline !== undefined) {
  // --baseline=<ref>: the scanner at the ref against the working tree, both streams and chunk sizes.
  await printBaselineComparisonAndExit({
    ref: benchOptions.baseline,
    packageDir: new URL('..', import.meta.url),
    budgetMs: benchOptions.budgetMs,
    cases: (build: typeof import('../src/index.js')) =>
      (
        [
          ['720p', plain],
          ['720p + EXIF thumbnail', withExifThumbnail(plain)],
        ] as const
      ).flatMap(([name, truth]) => {
        const stream = concatBytes(truth);
        return [64 * 1024, 1536].map((size) => {
          const chunks = chunk(stream, size);
          return {
            name: `${name}, ${size === 1536 ? '1.5 KiB' : '64 KiB'} chunks`,
            bytes: stream.length,
            run: () => {
              const scanner = new build.JpegScanner();
              let frames = 0;
              for (const piece of chunks) frames += scanner.push(piece).length;
              return frames;
            },
          };
        });
      }),
  });
}
console.log(
  `\n${FRAME_COUNT} ffmpeg frames, 1280×720, noise q5, ${(concatBytes(plain).length / FRAME_COUNT / 1000).toFixed(0)} KB each; rates from CPU time (best of up to 40 round-robin passes, ~3 s per configuration); fresh instance per pass.\n`,
);
if (!ONLY_PIECES) {
  console.log(
    '| stream | chunks | splitter | frames right | MB/s | frames/s | × search limit | × pipe2jpeg |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
}
for (const [name, truth] of datasets) {
  const stream = concatBytes(truth);
  const frameBytes = stream.length / truth.length;
  for (const size of [64 * 1024, 1536]) {
    // Node Buffers over the same memory, for pipe2jpeg (it calls Buffer methods on chunks).
    const chunks = chunk(stream, size).map((piece) =>
      Buffer.from(piece.buffer, piece.byteOffset, piece.length),
    );
    const contenders = [...Object.entries(adapters), ...Object.entries(limits)];
    const times = timeAll(contenders, chunks);
    const rows: [string, string, number][] = contenders.map(([label, adapter]) => [
      label,
      label in adapters ? `${countRight(adapter(chunks), truth)}/${truth.length}` : '—',
      times.get(label) ?? Number.NaN,
    ]);
    const searchLimit = rows.find(([label]) => label === 'limit: native FF D9 search')?.[2] ?? 1;
    const peer = rows.find(([label]) => label === 'pipe2jpeg')?.[2] ?? 1;
    const chunkLabel = size === 1536 ? '1.5 KiB' : '64 KiB';
    for (const [label, right, seconds] of rows) {
      const mbps = stream.length / seconds / 1e6;
      const fps = stream.length / frameBytes / seconds;
      console.log(
        `| ${name} | ${chunkLabel} | ${label} | ${right} | ${mbps.toFixed(0)} | ${fps.toFixed(0)} | ${(searchLimit / seconds).toFixed(2)} | ${(peer / seconds).toFixed(2)} |`,
      );
    }
  }
}

piecesReport(plain);

/**
 * `frames: 'pieces'` (each frame as views of the chunks, nothing copied) against copying every
 * byte once, ours with contiguous frames and the peers, in one timed run per chunk size.
 * Pieces are checked by joining them, outside the timing.
 */
function piecesReport(truth: Uint8Array[]): void {
  const stream = concatBytes(truth);
  const copyTarget = new Uint8Array(stream.length);
  const copyOnce: Timed = (chunks) => {
    let offset = 0;
    for (const piece of chunks) {
      copyTarget.set(piece, offset);
      offset += piece.length;
    }
    return new Array(copyTarget[offset - 1] === 0xd9 ? 1 : 0);
  };
  const joined = (chunks: readonly Uint8Array[]) => oursPieces(chunks).map((frame) => concatBytes(frame));
  // label, what is timed, what is checked (undefined: a limit), whether it is a peer
  const contenders: [string, Timed, Adapter | undefined, boolean][] = [
    ["@mjpeg-kit/jpeg-scanner, frames: 'pieces'", oursPieces, joined, false],
    [
      '@mjpeg-kit/jpeg-scanner, contiguous frames',
      adapters['@mjpeg-kit/jpeg-scanner']!,
      adapters['@mjpeg-kit/jpeg-scanner'],
      false,
    ],
    ['pipe2jpeg', adapters.pipe2jpeg!, adapters.pipe2jpeg, true],
    ['naive FF D8…FF D9', adapters['naive FF D8…FF D9']!, adapters['naive FF D8…FF D9'], true],
    ['limit: copy every byte once', copyOnce, undefined, false],
  ];
  console.log("\n### `frames: 'pieces'`: 720p, ratios from CPU time (best of up to 40 round-robin passes)\n");
  console.log(
    '| chunks | splitter | frames right | MB/s | frames/s | × copy-once | × best peer | × pipe2jpeg |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const size of [64 * 1024, 16 * 1024]) {
    const chunks = chunk(stream, size).map((piece) =>
      Buffer.from(piece.buffer, piece.byteOffset, piece.length),
    );
    const times = timeAll(
      contenders.map(([label, run]) => [label, run]),
      chunks,
    );
    const rows = contenders.map(([label, , checked, peer]) => {
      const right = checked === undefined ? undefined : countRight(checked(chunks), truth);
      return { label, peer, right, seconds: times.get(label)! };
    });
    const copySeconds = times.get('limit: copy every byte once')!;
    const best = Math.min(
      ...rows.filter((row) => row.peer && row.right === truth.length).map((row) => row.seconds),
    );
    const pipe2jpeg = times.get('pipe2jpeg')!;
    for (const { label, right, seconds } of rows) {
      console.log(
        `| ${size / 1024} KiB | ${label} | ${right === undefined ? '—' : `${right}/${truth.length}`} | ` +
          `${(stream.length / seconds / 1e6).toFixed(0)} | ${(truth.length / seconds).toFixed(0)} | ` +
          `${(copySeconds / seconds).toFixed(2)} | ${(best / seconds).toFixed(2)} | ${(pipe2jpeg / seconds).toFixed(2)} |`,
      );
    }
  }
}
