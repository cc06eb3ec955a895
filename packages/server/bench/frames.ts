/**
 * The frames every contender serves, and the stamp that lets the load generator time them.
 *
 * Each pre-encoded JPEG gets a 40-byte COM segment (FF FE) right after SOI holding the
 * publish instant, a sequence number and the frame's length. Decoders skip COM segments, so
 * the frame stays a valid JPEG; the load generator finds the stamp with one native search
 * per read and needs no multipart or chunked parsing, which keeps it cheap and identical for
 * every server (none of the peers sends `X-Timestamp`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `FF FE`, segment length 38 (2 + 36 payload bytes), then `MJKT`. */
export const STAMP_NEEDLE = Buffer.from([0xff, 0xfe, 0x00, 38, 0x4d, 0x4a, 0x4b, 0x54]);
/** Digits after the needle: 16 for the instant in µs, 8 for seq, 8 for the frame length. */
export const STAMP_DIGITS = 32;
export const STAMP_BYTES = STAMP_NEEDLE.length + STAMP_DIGITS;
/** Where the stamp starts inside a frame (right after SOI). */
export const STAMP_OFFSET = 2;

export interface FrameSet {
  width: number;
  height: number;
  /** Stamped templates: a copy of one is made and stamped per published frame. */
  templates: Buffer[];
  meanBytes: number;
}

/** Encodes (once, cached in the temp dir) `count` noisy test-pattern frames with ffmpeg. */
export function loadFrames(width: number, height: number, count = 30): FrameSet {
  const dir = join(tmpdir(), `mjpeg-kit-bench-frames-${width}x${height}-${count}`);
  if (!existsSync(join(dir, 'done'))) {
    mkdirSync(dir, { recursive: true });
    // Noise keeps the size near a real camera's (~38 KB at 640×480, ~85 KB at 1280×720).
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${width}x${height}:rate=30`,
      '-vf',
      'noise=alls=7:allf=t',
      '-frames:v',
      String(count),
      '-q:v',
      '4',
      '-f',
      'image2',
      join(dir, 'f%03d.jpg'),
    ]);
    execFileSync('touch', [join(dir, 'done')]);
  }
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.jpg'))
    .sort();
  const templates = files.map((name) => withStampSegment(readFileSync(join(dir, name))));
  const meanBytes = templates.reduce((sum, frame) => sum + frame.length, 0) / templates.length;
  return { width, height, templates, meanBytes };
}

function withStampSegment(jpeg: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const frame = Buffer.alloc(jpeg.length + STAMP_BYTES);
  frame[0] = 0xff;
  frame[1] = 0xd8;
  STAMP_NEEDLE.copy(frame, STAMP_OFFSET);
  frame.write('0'.repeat(STAMP_DIGITS), STAMP_OFFSET + STAMP_NEEDLE.length, 'latin1');
  jpeg.copy(frame, STAMP_OFFSET + STAMP_BYTES, 2);
  return frame;
}

/** Epoch milliseconds from the monotonic clock, comparable across processes on one host. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A fresh copy of `template` stamped with `timestampMs` and `seq`: what a camera would hand over. */
export function stampFrame(template: Buffer, timestampMs: number, seq: number): Buffer {
  const frame = Buffer.allocUnsafe(template.length);
  template.copy(frame);
  const micros = Math.round(timestampMs * 1000)
    .toString()
    .padStart(16, '0');
  const digits = `${micros}${String(seq % 1e8).padStart(8, '0')}${String(frame.length).padStart(8, '0')}`;
  frame.write(digits, STAMP_OFFSET + STAMP_NEEDLE.length, 'latin1');
  return frame;
}
