/**
 * Readers for the e2e tests: a multipart stream's parts with their headers and arrival times,
 * and ffmpeg's copy of a stream as separate JPEGs.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { BodyReader } from './body-reader.js';
import { quietFfmpegInput } from './ffmpeg-args.js';

/** One part of a multipart stream, as it arrived. */
export interface ReceivedPart {
  headers: Record<string, string>;
  body: Buffer;
  /** `Date.now()` when its last byte arrived. */
  at: number;
}

/** The SHA-256 of bytes, hex: frames compared across servers. */
export function hashOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** An open `/stream` or `/av`: every complete part so far, parsed as bytes arrive. */
export class PartReader extends BodyReader {
  readonly parts: ReceivedPart[] = [];
  #buffer = Buffer.alloc(0);

  protected override take(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const head = this.#buffer.indexOf('\r\n\r\n');
      if (head < 0) return;
      const lines = this.#buffer.subarray(0, head).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length']);
      if (!Number.isInteger(length)) {
        // The boundary line before the first part's headers, or a stray blank line: skip it.
        this.#buffer = this.#buffer.subarray(head + 4);
        continue;
      }
      const end = head + 4 + length;
      if (end > this.#buffer.length) return;
      this.parts.push({ headers, body: Buffer.from(this.#buffer.subarray(head + 4, end)), at: Date.now() });
      this.#buffer = this.#buffer.subarray(end);
    }
  }

  /** The parts of one content type. */
  ofType(type: string): ReceivedPart[] {
    return this.parts.filter((part) => part.headers['content-type']?.startsWith(type));
  }

  async waitFor(check: (reader: PartReader) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what} (${this.parts.length} parts)`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * ffmpeg reads `frames` frames of a stream and copies them out as MJPEG (no re-encoding):
 * the JPEGs as the server sent them. Killed after `timeoutMs`.
 */
export function ffmpegCopyFrames(url: string, frames: number, timeoutMs = 30_000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      [...quietFfmpegInput('mpjpeg', url), '-frames:v', String(frames), '-c', 'copy', '-f', 'mjpeg', '-'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`ffmpeg exited with ${code ?? signal}: ${stderr}`));
      else resolve(splitJpegs(Buffer.concat(chunks)));
    });
  });
}

/** Concatenated JPEGs split at each EOI followed by SOI (the synthetic camera embeds none). */
export function splitJpegs(data: Buffer): Buffer[] {
  const jpegs: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = data.indexOf(Buffer.from([0xff, 0xd9, 0xff, 0xd8]), start);
    if (end < 0) break;
    jpegs.push(data.subarray(start, end + 2));
    start = end + 2;
  }
  if (start < data.length) jpegs.push(data.subarray(start));
  return jpegs;
}
