import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { MultipartParser, type Part } from '@mjpeg-kit/boundary-parser';
import {
  type LifecycleOptions,
  type MediaPacket,
  nowMs,
  type PacketSource,
  readChunks,
  sleepUntil,
} from '@mjpeg-kit/bytes';
import { JpegScanner } from '@mjpeg-kit/jpeg-scanner';
import { SourceError, toSourceError } from '../errors.js';
import { checkNumberOption, checkOptionalNumberOption, MAX_FRAME_BYTES_RANGE } from '../options.js';

/** Options of {@link mjpegFileSource}. */
export interface MjpegFileOptions extends LifecycleOptions {
  /** Frames per second to pace at, 0.1..240 (default 30). */
  fps?: number;
  /** Start again at the end (default false). */
  loop?: boolean;
  /** Largest frame kept, bytes (default 32 MiB, the scanner's). */
  maxFrameBytes?: number;
}

/** Live counters of a file source. */
export interface MjpegFileStats {
  frames: number;
  bytes: number;
  /** Times the file was read from the start again. */
  loops: number;
  /** `'jpeg'` for concatenated JPEGs, `'multipart'` for a saved multipart stream. */
  format: 'jpeg' | 'multipart' | undefined;
  /** Frame slots skipped because the consumer was late. */
  skippedFrames: number;
}

const READ_CHUNK_BYTES = 64 * 1024;
const DASH = 0x2d;

/**
 * Frames from a file: a raw `.mjpeg` (concatenated JPEGs, as `ffmpeg -f mjpeg` writes) or
 * a saved multipart stream (`--boundary` first; the boundary is read from its first
 * line), paced at `fps` on a drift-free schedule, looping when `loop`.
 *
 * @example
 * ```ts
 * for await (const frame of mjpegFileSource('clip.mjpeg', { fps: 15, loop: true, signal })) hub.publish(frame);
 * ```
 * @throws SourceError `OPEN_FAILED` when the file cannot be read; `BAD_FRAME` when it holds no frame.
 */
export function mjpegFileSource(path: string, options: MjpegFileOptions = {}): PacketSource<MjpegFileStats> {
  const fps = checkNumberOption('fps', options.fps ?? 30, { min: 0.1, max: 240 });
  checkOptionalNumberOption('maxFrameBytes', options.maxFrameBytes, MAX_FRAME_BYTES_RANGE);
  const period = 1000 / fps;
  const stats: MjpegFileStats = { frames: 0, bytes: 0, loops: 0, format: undefined, skippedFrames: 0 };

  async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    const { signal, onStatus } = options;
    if (signal?.aborted) return;
    onStatus?.({ state: 'connecting' });
    let due = nowMs();
    let seq = 0;
    try {
      const format = await detectFormat(path);
      stats.format = format.kind;
      onStatus?.({ state: 'open' });
      for (;;) {
        let framesThisPass = 0;
        for await (const body of readFrames(path, format, options, signal)) {
          if (!(await sleepUntil(due, signal))) return;
          const now = nowMs();
          if (now - due >= period) {
            const skip = Math.floor((now - due) / period);
            stats.skippedFrames += skip;
            due += skip * period;
          }
          framesThisPass++;
          stats.frames++;
          stats.bytes += body.length;
          yield { type: 'image/jpeg', body, timestamp: due, seq: seq++ };
          due += period;
        }
        if (signal?.aborted) return;
        if (framesThisPass === 0) throw new SourceError('BAD_FRAME', `${path} holds no whole JPEG frame`);
        if (!options.loop) return;
        stats.loops++;
      }
    } finally {
      onStatus?.({ state: 'closed' });
    }
  }
  return Object.assign(run(), { stats });
}

type FileFormat = { kind: 'jpeg' } | { kind: 'multipart'; boundary: string };

/** Peeks at the first bytes: `--token` on the first line means a multipart file. */
async function detectFormat(path: string): Promise<FileFormat> {
  let head: Uint8Array;
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = new Uint8Array(512);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw toSourceError(error, 'OPEN_FAILED', `cannot read ${path}`);
  }
  let start = 0;
  while (start < head.length && (head[start] === 0x0d || head[start] === 0x0a)) start++;
  if (head[start] === DASH && head[start + 1] === DASH) {
    let end = start + 2;
    while (end < head.length && head[end] !== 0x0d && head[end] !== 0x0a) end++;
    const boundary = String.fromCharCode(...head.subarray(start + 2, end)).trim();
    if (boundary.length > 0 && boundary.length <= 70) return { kind: 'multipart', boundary };
  }
  return { kind: 'jpeg' };
}

function* jpegBodies(parts: Part[]): Generator<Uint8Array> {
  for (const part of parts) {
    if (part.contentType === undefined || part.contentType.toLowerCase().startsWith('image/jpeg'))
      yield part.body;
  }
}

/** One pass over the file: the JPEG bodies in order. */
async function* readFrames(
  path: string,
  format: FileFormat,
  options: MjpegFileOptions,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const scanner =
    format.kind === 'jpeg' ? new JpegScanner({ maxFrameBytes: options.maxFrameBytes }) : undefined;
  const parser =
    format.kind === 'multipart'
      ? new MultipartParser(
          format.boundary,
          options.maxFrameBytes ? { maxPartBytes: options.maxFrameBytes } : undefined,
        )
      : undefined;
  try {
    for await (const chunk of readChunks(stream, { signal, close: true })) {
      if (scanner) yield* scanner.push(chunk);
      else yield* jpegBodies(parser!.write(chunk));
    }
    if (signal?.aborted) return;
    if (scanner) yield* scanner.end();
    if (parser) {
      // A saved live stream usually ends mid-part: the whole parts before it were yielded.
      let last: Part[] = [];
      try {
        last = parser.end();
      } catch {}
      yield* jpegBodies(last);
    }
  } finally {
    stream.destroy();
  }
}
