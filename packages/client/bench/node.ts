/**
 * openStream throughput in Node against a local server, beside the physical limit (the same
 * bytes read with a bare fetch body reader) and the parsers alone on the bytes in memory.
 * The server runs in a worker thread so it does not share the client's event loop.
 *
 * Run: npm run bench:node in packages/client (`-- --quick` for a smoke pass; BENCH_FRAMES and
 * BENCH_RUNS change the size). `npm run bench` runs it before the Chromium rows.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { printRunHeader, readBenchOptions } from '@mjpeg-kit/bench-support';
import { MultipartParser } from '@mjpeg-kit/boundary-parser';
import { concatBytes } from '@mjpeg-kit/bytes';
import { JpegScanner } from '@mjpeg-kit/jpeg-scanner';
import { openStream, StreamError } from '../src/index.js';

const { quick } = readBenchOptions({ baseline: false });
const FRAMES = Number(process.env.BENCH_FRAMES ?? (quick ? 200 : 1500));
const RUNS = Number(process.env.BENCH_RUNS ?? (quick ? 2 : 5));
const WRITE_BYTES = 64 * 1024;

/** A real 640×480 JPEG from ffmpeg when it is installed, else the test vector. */
function frame(): Uint8Array {
  const out = `${tmpdir()}/mjpeg-kit-client-bench.jpg`;
  const made = spawnSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=1'],
    ...['-frames:v', '1', '-q:v', '4', out],
  ]);
  if (made.status === 0) return new Uint8Array(readFileSync(out));
  return new Uint8Array(readFileSync(new URL('../test/vectors/frame1.jpg', import.meta.url)));
}

const jpeg = frame();
const encoder = new TextEncoder();
const head = encoder.encode(
  `Content-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nX-Timestamp: 1.000000\r\n\r\n`,
);
const tail = encoder.encode('\r\n--b\r\n');
const multipartBody = concatBytes([
  encoder.encode('--b\r\n'),
  ...Array.from({ length: FRAMES }, () => [head, jpeg, tail]).flat(),
]);
const jpegBody = concatBytes(Array.from({ length: FRAMES }, () => jpeg));

/** A worker-thread server answering /multipart and /jpeg with the bodies above, in 64 KiB writes. */
async function startServer(): Promise<{ url: string; worker: Worker }> {
  const code = `
    const { createServer } = require('node:http');
    const { parentPort, workerData } = require('node:worker_threads');
    const bodies = { '/multipart': workerData.multipart, '/jpeg': workerData.jpeg };
    const types = { '/multipart': 'multipart/x-mixed-replace;boundary=b', '/jpeg': 'image/jpeg' };
    const server = createServer((req, res) => {
      const body = bodies[req.url];
      res.writeHead(200, { 'content-type': types[req.url] });
      let at = 0;
      const pump = () => {
        while (at < body.length) {
          const end = Math.min(body.length, at + ${WRITE_BYTES});
          const more = res.write(body.subarray(at, end));
          at = end;
          if (!more) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
  `;
  const worker = new Worker(code, { eval: true, workerData: { multipart: multipartBody, jpeg: jpegBody } });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  return { url: `http://127.0.0.1:${port}`, worker };
}

interface Result {
  name: string;
  seconds: number;
  bytes: number;
  frames: number;
}

async function rawFetch(url: string): Promise<{ bytes: number; frames: number }> {
  const response = await fetch(url);
  let bytes = 0;
  for await (const chunk of response.body!) bytes += chunk.length;
  return { bytes, frames: FRAMES };
}

/** A fetch that answers from memory in 64 KiB chunks: openStream's own cost, without sockets. */
function memoryFetch(body: Uint8Array, contentType: string): typeof fetch {
  return async () => {
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= body.length) return controller.close();
        controller.enqueue(body.subarray(at, at + WRITE_BYTES));
        at += WRITE_BYTES;
      },
    });
    return new Response(stream, { headers: { 'content-type': contentType } });
  };
}

/** The parser alone on the fetched chunks: what openStream's own layers cost on top, over HTTP. */
async function fetchAndParse(
  url: string,
  kind: 'multipart' | 'jpeg',
): Promise<{ bytes: number; frames: number }> {
  const response = await fetch(url);
  const parser = kind === 'multipart' ? new MultipartParser('b') : undefined;
  const scanner = kind === 'jpeg' ? new JpegScanner() : undefined;
  let bytes = 0;
  let frames = 0;
  for await (const chunk of response.body!) {
    bytes += chunk.length;
    frames += parser ? parser.write(chunk).length : scanner!.push(chunk).length;
  }
  return { bytes, frames };
}

async function viaOpenStream(
  url: string,
  fetchImpl?: typeof fetch,
): Promise<{ bytes: number; frames: number }> {
  const stream = openStream(url, { reconnect: false, ...(fetchImpl && { fetch: fetchImpl }) });
  let frames = 0;
  let check = 0;
  try {
    for await (const packet of stream) {
      frames++;
      check ^= packet.body[packet.body.length - 1]!;
    }
  } catch (error) {
    if (!(error instanceof StreamError && error.code === 'ENDED')) throw error;
  }
  if (frames !== FRAMES || check !== (FRAMES % 2 === 0 ? 0 : 0xd9)) throw new Error(`got ${frames} frames`);
  return { bytes: stream.stats.bytes, frames };
}

function inMemory(body: Uint8Array, parse: (chunk: Uint8Array) => number): { bytes: number; frames: number } {
  let frames = 0;
  for (let at = 0; at < body.length; at += WRITE_BYTES) frames += parse(body.subarray(at, at + WRITE_BYTES));
  return { bytes: body.length, frames };
}

type Run = () => Promise<{ bytes: number; frames: number }> | { bytes: number; frames: number };

/**
 * Times each reader RUNS times, interleaved (limit, ours, parser-only, limit, …) so a burst of
 * load from elsewhere hits all of them alike; keeps each one's best run.
 */
async function timeInterleaved(readers: [string, Run][]): Promise<Result[]> {
  const best: (Result | undefined)[] = readers.map(() => undefined);
  for (let i = 0; i < RUNS; i++) {
    for (const [index, [name, run]] of readers.entries()) {
      const start = performance.now();
      const { bytes, frames } = await run();
      const seconds = (performance.now() - start) / 1000;
      if (best[index] === undefined || seconds < best[index]!.seconds)
        best[index] = { name, seconds, bytes, frames };
    }
  }
  return best as Result[];
}

function table(title: string, groups: Result[][], ratioLabel: string): void {
  console.log(`\n${title}\n`);
  console.log(`| reader | MB/s | frames/s | ${ratioLabel} |`);
  console.log('|---|---:|---:|---:|');
  for (const [base, ...rest] of groups) {
    for (const result of [base!, ...rest]) {
      const mbps = result.bytes / result.seconds / 1e6;
      const fps = result.frames / result.seconds;
      console.log(
        `| ${result.name} | ${mbps.toFixed(0)} | ${fps.toFixed(0)} | ${(base!.seconds / result.seconds).toFixed(2)}× |`,
      );
    }
  }
}

/** Prints the two tables: over loopback HTTP, and in memory (what openStream adds to the parser). */
export async function runNodeBench(): Promise<void> {
  const { url, worker } = await startServer();
  const http: Result[][] = [];
  const memory: Result[][] = [];
  for (const [kind, body] of [
    ['multipart', multipartBody],
    ['jpeg', jpegBody],
  ] as const) {
    const path = `${url}/${kind}`;
    const inMemoryFetch = memoryFetch(
      body,
      kind === 'multipart' ? 'multipart/x-mixed-replace;boundary=b' : 'image/jpeg',
    );
    http.push(
      await timeInterleaved([
        [`fetch body read, no parsing (the limit) — ${kind}`, () => rawFetch(path)],
        [
          `fetch + ${kind === 'multipart' ? 'MultipartParser' : 'JpegScanner'} loop — ${kind}`,
          () => fetchAndParse(path, kind),
        ],
        [`openStream — ${kind}`, () => viaOpenStream(path)],
      ]),
    );
    memory.push(
      await timeInterleaved([
        kind === 'multipart'
          ? [
              'MultipartParser alone',
              () => {
                const parser = new MultipartParser('b');
                return inMemory(body, (chunk) => parser.write(chunk).length);
              },
            ]
          : [
              'JpegScanner alone',
              () => {
                const scanner = new JpegScanner();
                return inMemory(body, (chunk) => scanner.push(chunk).length);
              },
            ],
        [
          `openStream over an in-memory Response — ${kind}`,
          () => viaOpenStream('http://memory/', inMemoryFetch),
        ],
      ]),
    );
  }
  await worker.terminate();

  console.log('## openStream throughput in Node\n');
  console.log(
    `${FRAMES} frames of ${jpeg.length} bytes (640×480) in ${WRITE_BYTES / 1024} KiB chunks; best of ${RUNS}, interleaved.`,
  );
  table('Over loopback HTTP (server in a worker thread):', http, 'vs limit');
  table('In memory, no sockets (what openStream adds to the parser):', memory, 'vs parser alone');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printRunHeader('@mjpeg-kit/client benchmark: openStream in Node');
  await runNodeBench();
}
