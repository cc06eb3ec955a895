import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** 300 real 1280x720 JPEG frames from ffmpeg (about 100 KB each), cached under the OS temp dir. */
export function loadFrames(count = 300): { frames: Uint8Array[]; source: string } {
  const dir = join(tmpdir(), `mjpeg-kit-bench-720p-n4-${count}`);
  if (!existsSync(join(dir, 'done'))) {
    const work = `${dir}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const result = spawnSync(
      'ffmpeg',
      [
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=1280x720:rate=30,noise=alls=4:allf=t',
        '-frames:v',
        String(count),
        '-q:v',
        '3',
        join(work, '%04d.jpg'),
      ],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) {
      rmSync(work, { recursive: true, force: true });
      return { frames: syntheticFrames(count), source: 'synthetic JPEG-like frames (ffmpeg not found)' };
    }
    mkdirSync(join(work, 'done'));
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  }
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.jpg'))
    .sort();
  return {
    frames: files.map((name) => new Uint8Array(readFileSync(join(dir, name)))),
    source: `ffmpeg testsrc2 1280x720 + noise, -q:v 3 (cached in ${dir})`,
  };
}

/** JPEG-shaped random frames (SOI, entropy-like bytes without markers, EOI) when ffmpeg is absent. */
function syntheticFrames(count: number): Uint8Array[] {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 24;
  };
  return Array.from({ length: count }, () => {
    const frame = new Uint8Array(60_000 + (random() << 8));
    for (let i = 0; i < frame.length; i++) frame[i] = random();
    for (let i = 0; i < frame.length - 1; i++) if (frame[i] === 0xff) frame[i + 1] = 0;
    frame.set([0xff, 0xd8], 0);
    frame.set([0xff, 0xd9], frame.length - 2);
    return frame;
  });
}
