import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes } from '@mjpeg-kit/bytes';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import { getBoundary, MultipartParser, parseMultipart } from '../src/index.js';
import { pieces, seeded, splitAt } from './replay.js';

const SOURCE = ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-frames:v', '20'];
const EXACT = ['-fflags', '+bitexact', '-flags:v', '+bitexact'];

function runFfmpeg(args: string[]): Uint8Array {
  const result = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', ...args], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${result.stderr}`);
  return new Uint8Array(result.stdout);
}

function parseAll(chunks: Uint8Array[], boundary: string): Uint8Array[] {
  const parser = new MultipartParser(boundary);
  const bodies: Uint8Array[] = [];
  for (const chunk of chunks) for (const part of parser.write(chunk)) bodies.push(part.body);
  for (const part of parser.end()) bodies.push(part.body);
  return bodies;
}

describeWithTool('ffmpeg', 'interop with ffmpeg -f mpjpeg', () => {
  let dir = '';
  let files: Uint8Array[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'boundary-parser-ffmpeg-'));
    runFfmpeg([...SOURCE, ...EXACT, join(dir, '%03d.jpg')]);
    files = readdirSync(dir)
      .sort()
      .map((name) => new Uint8Array(readFileSync(join(dir, name))));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the JPEG files ffmpeg muxed with -c copy back byte for byte, however the stream is cut', () => {
    expect(files).toHaveLength(20);
    const stream = runFfmpeg([
      '-framerate',
      '10',
      '-i',
      join(dir, '%03d.jpg'),
      '-c',
      'copy',
      '-f',
      'mpjpeg',
      '-',
    ]);
    const boundary = getBoundary('multipart/x-mixed-replace;boundary=ffmpeg'); // ffmpeg's MIME type
    const random = seeded(20);
    const ways: [string, Uint8Array[]][] = [
      ['whole', [stream]],
      ['1-byte feeds', pieces(stream, 1)],
      ['7-byte feeds', pieces(stream, 7)],
      ['16 KiB chunks', pieces(stream, 16 * 1024)],
      ...Array.from({ length: 50 }, (_, i): [string, Uint8Array[]] => [
        `random cuts #${i}`,
        splitAt(
          stream,
          Array.from({ length: 20 }, () => Math.floor(random() * stream.length)),
        ),
      ]),
    ];
    for (const [how, chunks] of ways) {
      const bodies = parseAll(chunks, boundary);
      expect(bodies.length, how).toBe(files.length);
      for (const [i, body] of bodies.entries())
        expect(Buffer.compare(body, files[i]!), `${how}, frame ${i}`).toBe(0);
    }
  });

  it('reads the frames ffmpeg encodes to mpjpeg as the same bytes it writes with -f mjpeg and -f image2', () => {
    const multipart = runFfmpeg([...SOURCE, ...EXACT, '-f', 'mpjpeg', '-']);
    const raw = runFfmpeg([...SOURCE, ...EXACT, '-f', 'mjpeg', '-']);
    const bodies = parseAll(pieces(multipart, 4096), 'ffmpeg');
    expect(bodies).toHaveLength(20);
    expect(Buffer.compare(concatBytes(bodies), raw)).toBe(0);
    for (const [i, body] of bodies.entries()) expect(Buffer.compare(body, files[i]!), `frame ${i}`).toBe(0);
  });

  it('streams ffmpeg stdout through parseMultipart, with a boundary declared with leading dashes', async () => {
    const child = spawn(
      'ffmpeg',
      ['-loglevel', 'error', ...SOURCE, ...EXACT, '-boundary_tag', '--cam', '-f', 'mpjpeg', '-'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const timer = setTimeout(() => child.kill(), 20_000);
    const bodies: Uint8Array[] = [];
    const parts = parseMultipart(child.stdout, '--cam', { signal: AbortSignal.timeout(20_000) });
    for await (const part of parts) {
      expect(part.contentType).toBe('image/jpeg');
      bodies.push(part.body);
    }
    clearTimeout(timer);
    expect(bodies).toHaveLength(20);
    for (const [i, body] of bodies.entries()) expect(Buffer.compare(body, files[i]!), `frame ${i}`).toBe(0);
  });
});
