/**
 * openStream with `bodies: 'pieces'` against the contiguous default, on 720p frames served
 * from memory (no sockets, so the CPU is the client's own): frames per second and CPU time per
 * frame. Then the relay's path, openStream into an MjpegHub with one viewer, in both forms.
 *
 * Run: `npx tsx pieces.ts [--quick]` in packages/client/bench, or `npm run bench -- --only=pieces`.
 * BENCH_FRAMES and BENCH_RUNS change the size.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { printRunHeader, readBenchOptions } from '@mjpeg-kit/bench-support';
import { concatBytes, type PacketBodyForm } from '@mjpeg-kit/bytes';
import { MjpegHub } from '@mjpeg-kit/server';
import { openStream, StreamError } from '../src/index.js';

const { quick } = readBenchOptions({ baseline: false });
const FRAMES = Number(process.env.BENCH_FRAMES ?? (quick ? 1000 : 3000));
const RUNS = Number(process.env.BENCH_RUNS ?? (quick ? 2 : 5));

/** A 1280×720 JPEG from ffmpeg (testsrc2, q 2: about 65 KB, a camera's size), else the test vector. */
function frame720p(): Uint8Array {
  const out = `${tmpdir()}/mjpeg-kit-client-bench-720p.jpg`;
  const made = spawnSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=1'],
    ...['-frames:v', '1', '-q:v', '2', out],
  ]);
  if (made.status === 0) return new Uint8Array(readFileSync(out));
  return new Uint8Array(readFileSync(new URL('../test/vectors/frame1.jpg', import.meta.url)));
}

const jpeg = frame720p();
const encoder = new TextEncoder();
const body = concatBytes([
  encoder.encode('--b\r\n'),
  ...Array.from({ length: FRAMES }, () => [
    encoder.encode(
      `Content-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nX-Timestamp: 1.000000\r\n\r\n`,
    ),
    jpeg,
    encoder.encode('\r\n--b\r\n'),
  ]).flat(),
]);

/**
 * A fetch answering from memory in `chunkBytes` chunks (views of one body, never reused). With
 * `yieldPerChunk`, each chunk waits for a turn of the event loop, as a socket read does, so
 * the hub's write callbacks run between chunks (without it they starve behind the promises).
 */
function memoryFetch(chunkBytes: number, yieldPerChunk: boolean): typeof fetch {
  return async () => {
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (yieldPerChunk) await new Promise((resolve) => setImmediate(resolve));
        if (at >= body.length) return controller.close();
        controller.enqueue(body.subarray(at, at + chunkBytes));
        at += chunkBytes;
      },
    });
    return new Response(stream, { headers: { 'content-type': 'multipart/x-mixed-replace;boundary=b' } });
  };
}

/** Reads every frame; `onFrame` gets each packet. Checks the count. */
async function readAll(
  bodies: PacketBodyForm,
  chunkBytes: number,
  onFrame: (packet: Parameters<MjpegHub['publish']>[0]) => void,
  yieldPerChunk = false,
): Promise<void> {
  const stream = openStream('http://memory/', {
    reconnect: false,
    fetch: memoryFetch(chunkBytes, yieldPerChunk),
    bodies,
  });
  let frames = 0;
  try {
    for await (const packet of stream) {
      frames++;
      onFrame(packet);
    }
  } catch (error) {
    if (!(error instanceof StreamError && error.code === 'ENDED')) throw error;
  }
  if (frames !== FRAMES) throw new Error(`got ${frames} frames, expected ${FRAMES}`);
}

/** The consumer that takes pieces: touches the last byte (a write per piece would, too). */
function touch(packet: Parameters<MjpegHub['publish']>[0]): number {
  if ('pieces' in packet) {
    const last = packet.pieces[packet.pieces.length - 1]!;
    return last[last.length - 1]!;
  }
  return packet.body[packet.body.length - 1]!;
}

/** openStream into a hub with one HTTP/1.1 viewer whose sink takes every write at once. */
async function relay(bodies: PacketBodyForm, chunkBytes: number): Promise<void> {
  const hub = new MjpegHub({ boundary: 'b', repeatStillMs: 0 });
  let written = 0;
  const sink = new Duplex({
    read() {},
    write(chunk: Uint8Array, _encoding, callback) {
      written += chunk.length;
      callback();
    },
  });
  hub.addViewer(sink, { kind: 'stream', chunked: true });
  await readAll(bodies, chunkBytes, (packet) => hub.publish(packet), true);
  hub.close();
  if (written < FRAMES * jpeg.length) throw new Error(`the viewer got ${written} bytes`);
}

interface Row {
  name: string;
  form: PacketBodyForm;
  run: () => Promise<void>;
}

interface Timing {
  seconds: number;
  cpuMicros: number;
}

/**
 * Each row RUNS times, interleaved so load from elsewhere hits all alike; the fastest run and,
 * on its own, the least CPU of any run (on a busy machine wall time includes waiting for a core).
 */
async function timeRows(rows: Row[]): Promise<Timing[]> {
  const best: Timing[] = rows.map(() => ({
    seconds: Number.POSITIVE_INFINITY,
    cpuMicros: Number.POSITIVE_INFINITY,
  }));
  for (let i = 0; i < RUNS; i++) {
    for (const [index, row] of rows.entries()) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await row.run();
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      const timing = best[index]!;
      timing.seconds = Math.min(timing.seconds, seconds);
      timing.cpuMicros = Math.min(timing.cpuMicros, used.user + used.system);
    }
  }
  return best;
}

/** Prints the table: frames/s, CPU µs per frame, and each pieces row against its contiguous row. */
export async function runPiecesBench(): Promise<void> {
  const rows: Row[] = [];
  let sink = 0;
  for (const chunkBytes of [64 * 1024, 16 * 1024]) {
    for (const form of ['contiguous', 'pieces'] as const) {
      rows.push({
        name: `openStream, ${form} — ${chunkBytes / 1024} KiB chunks`,
        form,
        run: () =>
          readAll(form, chunkBytes, (packet) => {
            sink ^= touch(packet);
          }),
      });
    }
  }
  for (const chunkBytes of [64 * 1024, 16 * 1024]) {
    for (const form of ['contiguous', 'pieces'] as const) {
      rows.push({
        name: `relay: openStream → hub → 1 viewer, ${form} — ${chunkBytes / 1024} KiB chunks`,
        form,
        run: () => relay(form, chunkBytes),
      });
    }
  }
  const timings = await timeRows(rows);
  console.log("## openStream bodies: 'pieces' vs contiguous (Node, in memory)\n");
  console.log(
    `${FRAMES} frames of ${jpeg.length} bytes (1280×720) from an in-memory Response; best of ${RUNS}, interleaved. ` +
      'CPU is process.cpuUsage (user + system) per frame, the least of the runs; the ratio compares CPU per frame.\n',
  );
  console.log('| reader | frames/s | CPU µs/frame | CPU vs contiguous |');
  console.log('|---|---:|---:|---:|');
  for (const [index, row] of rows.entries()) {
    const timing = timings[index]!;
    const base = row.form === 'pieces' ? timings[index - 1]! : timing;
    console.log(
      `| ${row.name} | ${(FRAMES / timing.seconds).toFixed(0)} | ${(timing.cpuMicros / FRAMES).toFixed(1)} | ${(base.cpuMicros / timing.cpuMicros).toFixed(2)}× |`,
    );
  }
  if (sink === -1) console.log('');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printRunHeader("@mjpeg-kit/client benchmark: openStream bodies 'pieces'");
  await runPiecesBench();
}
