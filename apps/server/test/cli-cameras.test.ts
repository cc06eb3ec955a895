/**
 * Many cameras from one built CLI (#11): a three-camera YAML config (synthetic, an MJPEG file,
 * an `exec:` ffmpeg test source) served to ffmpeg by every URL form each camera has, each
 * camera's frames its own; a bad config refused with the key path and line; `--camera` twice.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJpegInfo } from '@mjpeg-kit/jpeg-scanner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import { CliProcess, fetchAll, isJpeg, runCli, StreamReader, sleep, waitUntil } from './cli-harness.js';
import { quietFfmpegInput } from './helpers/ffmpeg-args.js';
import { run } from './interop-helpers/process.js';

const scratch = mkdtempSync(join(tmpdir(), 'mjpeg-kit-cameras-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The three cameras, in config order, each at its own size so their frames cannot be confused. */
const CAMERAS = [
  { name: 'bench', width: 160, height: 120 },
  { name: 'clip', width: 320, height: 240 },
  { name: 'gen', width: 240, height: 176 },
] as const;

/** Every URL form of the camera at `index` named `name`: the stream's, then the snapshot's. */
function urlForms(name: string, index: number): { stream: string[]; snapshot: string[] } {
  const webcam = index === 0 ? 'webcam' : `webcam${index + 1}`;
  return {
    stream: [
      `cams/${name}/stream`,
      `?action=stream_${index}`,
      `${webcam}/?action=stream`,
      `api/stream.mjpeg?src=${name}`,
    ],
    snapshot: [
      `cams/${name}/snapshot.jpg`,
      `?action=snapshot_${index}`,
      `${webcam}/?action=snapshot`,
      `api/frame.jpeg?src=${name}`,
    ],
  };
}

/** ffmpeg reads two frames of a multipart stream; resolves with what it said about the video. */
async function readWithFfmpeg(url: string): Promise<string> {
  const result = await run(
    'ffmpeg',
    ['-hide_banner', '-nostdin', '-f', 'mpjpeg', '-i', url, '-frames:v', '2', '-f', 'null', '-'],
    { timeoutMs: 20_000 },
  );
  expect(result.timedOut, `${url}: ${result.stderr}`).toBe(false);
  expect(result.code, `${url}: ${result.stderr}`).toBe(0);
  return result.stderr;
}

/** One frame of a stream decoded by ffmpeg to raw RGB: its digest. */
async function decodedFrameDigest(url: string, name: string): Promise<string> {
  const output = join(scratch, `${name}.rgb`);
  const result = await run(
    'ffmpeg',
    [
      ...quietFfmpegInput('mpjpeg', url),
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-y',
      output,
    ],
    { timeoutMs: 20_000 },
  );
  expect(result.code, `${url}: ${result.stderr}`).toBe(0);
  return createHash('sha256').update(readFileSync(output)).digest('hex');
}

describe('a bad config', () => {
  it('exits 2 with one line per problem, each naming its key path and line', async () => {
    const path = join(scratch, 'bad.yaml');
    writeFileSync(
      path,
      [
        'listen: { host: 127.0.0.1, port: 0 }',
        'cameras:',
        '  front:',
        '    source: synthetic',
        '    fps: fast',
        '  desk:',
        '    source: synthetic',
        '    colour: red',
        '',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await runCli(['--config', path]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([
      `mjpeg-kit-server: ${path}: cameras.front.fps: expected a number ≥ 0.1, got "fast" (line 5)`,
      expect.stringMatching(
        new RegExp(
          `^mjpeg-kit-server: ${path}: cameras\\.desk\\.colour: unknown key \\(known: .*\\) \\(line 8\\)$`,
        ),
      ),
    ]);
  });

  it('exits 2 for a YAML syntax error and for a missing file, naming the line or the file', async () => {
    const broken = join(scratch, 'broken.yaml');
    writeFileSync(broken, 'cameras:\n  front: { source: synthetic\n');
    const syntax = await runCli(['--config', broken]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/broken\.yaml: YAML syntax error: .+ \(line \d\)/);

    const missing = await runCli(['--config', join(scratch, 'nowhere.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.yaml: cannot read the config file: ENOENT/);
  });
});

describeWithTool('ffmpeg', 'three cameras from one YAML config', () => {
  let cli: CliProcess;
  let url: string;
  let clipPath: string;

  beforeAll(async () => {
    clipPath = join(scratch, 'clip.mjpeg');
    const made = await run(
      'ffmpeg',
      [
        ...quietFfmpegInput('lavfi', 'testsrc2=size=320x240:rate=10'),
        '-frames:v',
        '20',
        '-q:v',
        '5',
        '-f',
        'mjpeg',
        '-y',
        clipPath,
      ],
      { timeoutMs: 20_000 },
    );
    expect(made.code, made.stderr).toBe(0);
    const config = join(scratch, 'cameras.yaml');
    writeFileSync(
      config,
      [
        '# the file asks for 8080; --port 0 on the command line wins',
        'listen: { host: 127.0.0.1, port: 8080 }',
        'cameras:',
        '  bench:',
        '    source: synthetic',
        '    size: 160x120',
        '    fps: 10',
        '  clip:',
        `    source: file:${clipPath}`,
        '    audio: none',
        '    fps: 10',
        '  gen:',
        '    source: exec:ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i testsrc=size=240x176:rate=10 -q:v 5 -f mjpeg -',
        '    audio: none',
        '',
      ].join('\n'),
    );
    cli = new CliProcess(['--config', config, '--port', '0', '--log-level', 'debug']);
    url = await cli.ready();
  }, 30_000);

  afterAll(async () => {
    cli?.kill();
    await cli?.exit();
  });

  it('lists the three cameras in config order at /cams', async () => {
    const { status, body } = await fetchAll(`${url}cams`);
    expect(status).toBe(200);
    const cameras = JSON.parse(body.toString()) as { name: string }[];
    expect(cameras.map((camera) => camera.name)).toEqual(CAMERAS.map((camera) => camera.name));
  });

  it.each(
    CAMERAS.flatMap((camera, index) =>
      urlForms(camera.name, index).stream.map((path) => ({ ...camera, path })),
    ),
  )(
    'ffmpeg reads $name at $width x $height from /$path',
    async ({ path, width, height }) => {
      const stderr = await readWithFfmpeg(`${url}${path}`);
      expect(stderr).toMatch(new RegExp(`Video: mjpeg.*, ${width}x${height}`));
    },
    30_000,
  );

  it('serves the first camera at the single-camera URLs', async () => {
    expect(await readWithFfmpeg(`${url}stream`)).toMatch(/Video: mjpeg.*, 160x120/);
    const snapshot = await fetchAll(`${url}snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    expect(readJpegInfo(snapshot.body)).toMatchObject({ width: 160, height: 120 });
  }, 30_000);

  it.each(
    CAMERAS.flatMap((camera, index) =>
      urlForms(camera.name, index).snapshot.map((path) => ({ ...camera, path })),
    ),
  )('answers a $width x $height JPEG of $name at /$path', async ({ path, width, height }) => {
    const { status, headers, body } = await fetchAll(`${url}${path}`);
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('image/jpeg');
    expect(isJpeg(body)).toBe(true);
    expect(readJpegInfo(body)).toMatchObject({ width, height });
  });

  it("decodes each camera's frames to different pictures", async () => {
    const digests = [];
    for (const camera of CAMERAS)
      digests.push(await decodedFrameDigest(`${url}cams/${camera.name}/stream`, camera.name));
    expect(new Set(digests).size).toBe(CAMERAS.length);
  }, 60_000);

  it('answers 404 with the known names for an unknown camera', async () => {
    const { status, body } = await fetchAll(`${url}cams/nope/stream`);
    expect(status).toBe(404);
    expect(JSON.parse(body.toString())).toMatchObject({ cameras: CAMERAS.map((camera) => camera.name) });
  });

  it("puts the camera's name on its source and viewer log lines", async () => {
    await fetchAll(`${url}cams/gen/snapshot.jpg`);
    await readWithFfmpeg(`${url}cams/clip/stream`);
    await waitUntil(
      () => (/\[clip\] viewer .* left \/cams\/clip\/stream/.test(cli.stderr) ? true : undefined),
      10_000,
      'the [clip] viewer leave line',
    );
    expect(cli.stderr).toMatch(/debug \[gen\] video source open/);
    expect(cli.stderr).toMatch(/\[clip\] viewer 127\.0\.0\.1:\d+ connected to \/cams\/clip\/stream/);
  }, 30_000);
});

describeWithTool('ffmpeg', '--camera twice, without a config file', () => {
  let cli: CliProcess;
  let url: string;

  beforeAll(async () => {
    cli = new CliProcess([
      '--port',
      '0',
      '--size',
      '160x120',
      '--camera',
      'a=synthetic',
      '--camera',
      'b=exec:ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i testsrc=size=240x176:rate=10 -q:v 5 -f mjpeg -',
    ]);
    url = await cli.ready();
  }, 30_000);

  afterAll(async () => {
    cli?.kill();
    await cli?.exit();
  });

  it('serves both cameras by name and by position', async () => {
    const { body } = await fetchAll(`${url}cams`);
    expect((JSON.parse(body.toString()) as { name: string }[]).map((camera) => camera.name)).toEqual([
      'a',
      'b',
    ]);
    expect(await readWithFfmpeg(`${url}cams/a/stream`)).toMatch(/Video: mjpeg.*, 160x120/);
    expect(await readWithFfmpeg(`${url}?action=stream_1`)).toMatch(/Video: mjpeg.*, 240x176/);
    const snapshot = await fetchAll(`${url}webcam2/?action=snapshot`);
    expect(snapshot.status).toBe(200);
    expect(readJpegInfo(snapshot.body)).toMatchObject({ width: 240, height: 176 });
  }, 60_000);
});

describeWithTool('ffmpeg', 'a stalled camera beside a live one', () => {
  let cli: CliProcess;
  let url: string;

  beforeAll(async () => {
    cli = new CliProcess([
      '--port',
      '0',
      '--size',
      '160x120',
      '--fps',
      '10',
      '--camera',
      'live=synthetic',
      // Five frames, then a source that stays up and sends nothing.
      '--camera',
      'stalled=exec:ffmpeg -hide_banner -loglevel error -nostdin -f lavfi -i testsrc=size=160x120:rate=10 -frames:v 5 -q:v 5 -f mjpeg -; exec sleep 60',
    ]);
    url = await cli.ready();
  }, 30_000);

  afterAll(async () => {
    cli?.kill();
    await cli?.exit();
  });

  it('keeps the live camera at its rate while the other source sends nothing', async () => {
    const stalled = new StreamReader(`${url}cams/stalled/stream`);
    const live = new StreamReader(`${url}cams/live/stream`);
    try {
      await stalled.waitForParts(1, 10_000);
      await live.waitForParts(1, 10_000);
      const before = live.parts().length;
      await sleep(2000);
      // 10 fps for 2 s is 20 frames; a camera held up by its neighbour would get a few at most.
      expect(live.parts().length - before).toBeGreaterThanOrEqual(15);
      // …while the other really is stalled: its five frames and a still-frame repeat a second.
      expect(stalled.parts().length).toBeLessThanOrEqual(10);
      const { body } = await fetchAll(`${url}cams/live/state`);
      expect(JSON.parse(body.toString())).toMatchObject({ source: { online: true } });
    } finally {
      stalled.close();
      live.close();
    }
  }, 30_000);
});

describe('idle-stop per camera', () => {
  let cli: CliProcess;
  let url: string;

  beforeAll(async () => {
    const config = join(scratch, 'idle.yaml');
    writeFileSync(
      config,
      [
        'size: 160x120',
        'audio: none',
        'cameras:',
        '  lazy:',
        '    source: synthetic',
        '    idle-stop: 0.3',
        '  always:',
        '    source: synthetic',
        '',
      ].join('\n'),
    );
    cli = new CliProcess(['--config', config, '--port', '0']);
    url = await cli.ready();
  }, 30_000);

  afterAll(async () => {
    cli?.kill();
    await cli?.exit();
  });

  it('starts and stops only the camera that has it, by its own viewers', async () => {
    const state = async (name: string) =>
      JSON.parse((await fetchAll(`${url}cams/${name}/state`)).body.toString()) as {
        source: { online: boolean };
      };
    // The camera without idle-stop runs from the start; the lazy one waits for a viewer.
    await waitUntil(
      async () => ((await state('always')).source.online ? true : undefined),
      10_000,
      'always online',
    );
    expect(cli.stderr).not.toMatch(/starting \[lazy\] video source/);

    const snapshot = await fetchAll(`${url}cams/lazy/snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    expect(cli.stderr).toMatch(/a viewer came: starting \[lazy\] video source/);
    await waitUntil(
      () => (/no viewers for 0\.3 s: stopping \[lazy\] video source/.test(cli.stderr) ? true : undefined),
      10_000,
      'the lazy camera to stop',
    );
    expect(cli.stderr).not.toMatch(/\[always\] video source/);
    expect((await state('always')).source.online).toBe(true);
  }, 30_000);
});
