import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesEqual, concatBytes } from '@mjpeg-kit/bytes';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import { type EncodePartOptions, MultipartEncoder } from '../src/index.js';

const FRAMES = 8;

/** Runs a command with bounded time; resolves with its exit code. */
function run(command: string, args: string[], input?: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(code);
      else reject(new Error(`${command} exited with ${code}: ${stderr.slice(-2000)}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

describeWithTool('ffmpeg', 'interop: ffmpeg -f mpjpeg demuxes the encoder output', () => {
  let dir = '';
  const jpegs: Uint8Array[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frame-encoder-'));
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=640x360:rate=25',
      '-frames:v',
      String(FRAMES),
      '-q:v',
      '4',
      join(dir, 'in%03d.jpg'),
    ]);
    for (let i = 1; i <= FRAMES; i++)
      jpegs.push(await readFile(join(dir, `in${String(i).padStart(3, '0')}.jpg`)));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function demux(name: string, stream: Uint8Array): Promise<Uint8Array[]> {
    await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'mpjpeg',
        '-i',
        'pipe:0',
        '-c:v',
        'copy',
        '-f',
        'image2',
        join(dir, `${name}%03d.jpg`),
      ],
      stream,
    );
    const files = (await readdir(dir)).filter((file) => file.startsWith(name)).sort();
    return Promise.all(files.map((file) => readFile(join(dir, file))));
  }

  it.each([
    ['plain', {}, false],
    ['legacy', { legacy: true }, false],
    ['quoted', { boundary: "it's a frame" }, false],
    ['advance', {}, true],
  ] as const)('gives back byte-identical JPEGs (%s parts)', async (name, options, advance) => {
    const encoder = new MultipartEncoder(options);
    const pieces: Uint8Array[] = [advance ? encoder.advanceOpening() : encoder.opening];
    jpegs.forEach((jpeg, seq) => {
      const layout: EncodePartOptions = { advanceHeaders: advance, final: advance && seq === FRAMES - 1 };
      const fields = advance ? {} : { timestamp: Date.now(), seq, headers: { 'X-Camera': 'test 1' } };
      pieces.push(...encoder.encodePart(jpeg, fields, layout));
    });
    expect(jpegs[0]![0]).toBe(0xff);
    const demuxed = await demux(name, concatBytes(pieces));
    expect(demuxed).toHaveLength(FRAMES);
    for (const [i, jpeg] of demuxed.entries()) expect(bytesEqual(jpeg, jpegs[i]!), `frame ${i}`).toBe(true);
  });
});
