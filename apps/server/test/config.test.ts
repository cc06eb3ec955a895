import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { afterAll, describe, expect, it } from 'vitest';
import { camerasOf, parseCommandLine, UsageError } from '../src/args.js';
import { ConfigError, loadConfigFile, parseConfig } from '../src/config.js';
import { capFrameRate } from '../src/sources.js';
import { configOf, problemsOf } from './helpers/parsed-config.js';

const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function writeConfig(text: string): string {
  const path = join(dir, `config-${files++}.yaml`);
  writeFileSync(path, text);
  return path;
}

const KNOWN_CAMERA_KEYS =
  'source, audio, size, fps, idle-stop, drop-same-frames, stall-timeout, max-viewers, source-timeout';

describe('parseConfig', () => {
  it('reads the documented example: listen, auth, tls and two cameras in file order', () => {
    const config = parseConfig(
      [
        'listen: { host: 0.0.0.0, port: 8080 }',
        'auth: { user: admin, password: secret }',
        'tls: { cert: /etc/ssl/cam.pem, key: /etc/ssl/cam.key }',
        'cameras:',
        '  front:',
        '    source: serial:/dev/rfcomm0?mode=vc0706&baud=115200',
        '    audio: pcm:/run/sco.pcm?rate=8000',
        '    idle-stop: 30          # seconds',
        '    fps: 15',
        '  desk:',
        '    source: exec:ffmpeg -f v4l2 -input_format mjpeg -i /dev/video0 -c copy -f mjpeg -',
      ].join('\n'),
    );
    expect(config.settings).toEqual({
      host: '0.0.0.0',
      port: 8080,
      auth: 'admin:secret',
      tlsCert: '/etc/ssl/cam.pem',
      tlsKey: '/etc/ssl/cam.key',
    });
    expect(config.cameras).toEqual([
      {
        name: 'front',
        settings: {
          source: { kind: 'serial', path: '/dev/rfcomm0', mode: 'vc0706', baudRate: 115200 },
          audio: { kind: 'pcm', path: '/run/sco.pcm', sampleRate: 8000, channels: 1 },
          idleStopMs: 30_000,
          fps: 15,
        },
      },
      {
        name: 'desk',
        settings: {
          source: {
            kind: 'exec',
            command: 'ffmpeg -f v4l2 -input_format mjpeg -i /dev/video0 -c copy -f mjpeg -',
          },
        },
      },
    ]);
  });

  it('keeps cameras in file order even when their names are numbers', () => {
    const config = parseConfig('cameras:\n  "2": { source: synthetic }\n  "1": { source: synthetic }\n');
    expect(config.cameras.map((camera) => camera.name)).toEqual(['2', '1']);
  });

  it('reads every top-level key under its flag name', () => {
    const config = parseConfig(
      [
        'host: ::1',
        'port: 0',
        'key: tok',
        'metrics-key: scrape',
        'allow-origin: "*"',
        'tls-cert: c.pem',
        'tls-key: k.pem',
        'log-level: debug',
        'source: stdin',
        'audio: none',
        'size: 320x240',
        'fps: 5',
        'idle-stop: 0.5',
        'drop-same-frames: true',
        'stall-timeout: 2',
        'max-viewers: 7',
        'source-timeout: 1.5',
      ].join('\n'),
    );
    expect(config).toEqual({
      settings: {
        host: '::1',
        port: 0,
        key: 'tok',
        metricsKey: 'scrape',
        allowOrigin: '*',
        tlsCert: 'c.pem',
        tlsKey: 'k.pem',
        logLevel: 'debug',
        source: { kind: 'stdin' },
        audio: { kind: 'none' },
        size: { width: 320, height: 240 },
        fps: 5,
        idleStopMs: 500,
        dropSameFrames: true,
        stallTimeoutMs: 2000,
        maxViewers: 7,
        sourceTimeoutMs: 1500,
      },
      cameras: [],
    });
  });

  it('reads an empty file as no settings', () => {
    expect(parseConfig('# nothing yet\n')).toEqual({ settings: {}, cameras: [] });
  });

  it.each([
    [
      'a word for a number',
      'cameras:\n  desk:\n    source: synthetic\n  yard:\n    source: synthetic\n\n  front:\n    source: synthetic\n    fps: fast\n',
      ['cameras.front.fps: expected a number ≥ 0.1, got "fast" (line 9)'],
    ],
    [
      'a number out of range',
      'listen:\n  port: 70000\n',
      ['listen.port: expected a whole number ≤ 65535, got 70000 (line 2)'],
    ],
    [
      'a fraction for a whole number',
      'cameras:\n  front: { source: synthetic, max-viewers: 2.5 }\n',
      ['cameras.front.max-viewers: expected a whole number ≥ 1, got 2.5 (line 2)'],
    ],
    [
      'an unknown camera key',
      'cameras:\n  front:\n    source: synthetic\n    fsp: 15\n',
      [`cameras.front.fsp: unknown key (known: ${KNOWN_CAMERA_KEYS}) (line 4)`],
    ],
    [
      'an unknown top-level key',
      'port: 8080\ncolour: red\n',
      [expect.stringMatching(/^colour: unknown key \(known: listen, host, port, .*cameras\) \(line 2\)$/)],
    ],
    [
      'a duplicate camera',
      'cameras:\n  front:\n    source: synthetic\n  front:\n    source: synthetic\n',
      ['cameras.front: duplicate camera (line 4)'],
    ],
    ['a duplicate key', 'port: 1\nport: 2\n', ['port: duplicate key (line 2)']],
    [
      'a camera name with capitals',
      'cameras:\n  Front:\n    source: synthetic\n',
      ['cameras.Front: a camera name is 1–32 of a-z, 0-9, _ and -, starting with a letter or digit (line 2)'],
    ],
    [
      'a camera without a source',
      'cameras:\n  front:\n    fps: 5\n',
      ['cameras.front.source: expected a source spec, got nothing (line 2)'],
    ],
    [
      'a camera with nothing under it',
      'cameras:\n  front:\n',
      ['cameras.front: expected a camera (a map with a source), got nothing (line 2)'],
    ],
    [
      'an unknown source spec',
      'cameras:\n  front:\n    source: webcam\n',
      [
        `cameras.front.source: 'webcam' is not one of synthetic, serial:PATH, file:PATH, stdin, exec:"COMMAND", http(s)://URL, nats://HOST/PREFIX.CAMERA (line 3)`,
      ],
    ],
    [
      'a bad serial mode',
      'source: serial:/dev/rfcomm0?mode=jpeg\n',
      ["source: serial: mode must be stream, vc0706 or ov528, not 'jpeg' (line 1)"],
    ],
    ['a bad size', 'size: big\n', ["size: must be WxH, e.g. 640x480, not 'big' (line 1)"]],
    [
      'a bad boolean',
      'drop-same-frames: "yes"\n',
      ['drop-same-frames: expected true or false, got "yes" (line 1)'],
    ],
    ['a bad log level', 'log-level: loud\n', ["log-level: must be info, debug or warn, not 'loud' (line 1)"]],
    ['no cameras under cameras', 'cameras: {}\n', ['cameras: expected at least one camera (line 1)']],
    [
      'a list for cameras',
      'cameras:\n  - front\n',
      ['cameras: expected a map of camera names to cameras, got a list (line 2)'],
    ],
    [
      'a user name with a colon',
      'auth:\n  user: "a:b"\n  password: x\n',
      ['auth.user: a user name has no ":" (line 2)'],
    ],
    [
      'auth without a password',
      'auth:\n  user: admin\n',
      ['auth.password: expected a password, got nothing (line 1)'],
    ],
    [
      'the same setting in both forms',
      'listen: { port: 1 }\nport: 2\n',
      ['port: given twice: as port and as listen.port (line 2)'],
    ],
    [
      'a top-level source beside cameras',
      'source: synthetic\ncameras:\n  front: { source: synthetic }\n',
      ['source: with cameras, each camera names its own source (cameras.NAME.source) (line 1)'],
    ],
    ['a scalar for the whole file', 'hello\n', ['expected a map of settings, got "hello" (line 1)']],
    [
      'several problems, one line each',
      'port: http\ncameras:\n  front:\n    source: synthetic\n    fps: 0\n    idle: 3\n',
      [
        'port: expected a whole number ≥ 0, got "http" (line 1)',
        'cameras.front.fps: expected a number ≥ 0.1, got 0 (line 5)',
        `cameras.front.idle: unknown key (known: ${KNOWN_CAMERA_KEYS}) (line 6)`,
      ],
    ],
  ])('refuses %s, naming the key path and line', (_what, text, problems) => {
    expect(problemsOf(text)).toEqual(problems);
  });

  it.each([
    ['an unclosed flow map', 'listen: { host: 0.0.0.0\nport: 1\n', /^YAML syntax error: .+ \(line [12]\)$/],
    ['a tab for indentation', 'cameras:\n\tfront: {}\n', /^YAML syntax error: .+ \(line 2\)$/],
  ])('refuses YAML with %s as a syntax error with its line', (_what, text, problem) => {
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    for (const line of problems) expect(line).toMatch(problem);
  });

  it('refuses an unreadable file with a ConfigError naming it', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => loadConfigFile(missing)).toThrow(ConfigError);
    expect(() => loadConfigFile(missing)).toThrow(/missing\.yaml: cannot read the config file: ENOENT/);
  });
});

describe('parseCommandLine with cameras', () => {
  it('runs one camera named default from --source and --audio without cameras', () => {
    const config = configOf(['--source', 'exec:cat x.mjpeg', '--audio', 'none', '--idle-stop', '3']);
    expect(config.cameras).toBeUndefined();
    expect(camerasOf(config)).toEqual([
      {
        name: 'default',
        source: { kind: 'exec', command: 'cat x.mjpeg' },
        audio: { kind: 'none' },
        width: 640,
        height: 480,
        fps: 30,
        idleStopMs: 3000,
        dropSameFrames: false,
      },
    ]);
  });

  it('takes --camera twice in order, each with the default audio rule', () => {
    const config = configOf(['--camera', 'front=synthetic', '--camera', 'yard=http://cam.local/video.mjpg']);
    expect(config.cameras?.map(({ name, source, audio }) => ({ name, source, audio }))).toEqual([
      { name: 'front', source: { kind: 'synthetic' }, audio: { kind: 'synthetic' } },
      { name: 'yard', source: { kind: 'http', url: 'http://cam.local/video.mjpg' }, audio: { kind: 'none' } },
    ]);
  });

  it('lets a flag beat the camera key, and the camera key beat the top level of the file', () => {
    const path = writeConfig(
      [
        'port: 9000',
        'host: 0.0.0.0',
        'fps: 10',
        'idle-stop: 5',
        'cameras:',
        '  front:',
        '    source: exec:cat front.mjpeg',
        '    fps: 20',
        '  desk:',
        '    source: synthetic',
      ].join('\n'),
    );
    const fromFile = configOf(['--config', path]);
    expect(fromFile).toMatchObject({ host: '0.0.0.0', port: 9000 });
    expect(
      fromFile.cameras?.map(({ name, fps, fpsCap, idleStopMs }) => ({ name, fps, fpsCap, idleStopMs })),
    ).toEqual([
      { name: 'front', fps: 20, fpsCap: 20, idleStopMs: 5000 },
      { name: 'desk', fps: 10, idleStopMs: 5000 },
    ]);

    const overridden = configOf(['--config', path, '--port', '0', '--fps', '12', '--idle-stop', '1']);
    expect(overridden).toMatchObject({ host: '0.0.0.0', port: 0 });
    expect(overridden.cameras?.map(({ fps, idleStopMs }) => ({ fps, idleStopMs }))).toEqual([
      { fps: 12, idleStopMs: 1000 },
      { fps: 12, idleStopMs: 1000 },
    ]);
  });

  it('lets --camera replace a file camera source and add cameras after the file ones', () => {
    const path = writeConfig('cameras:\n  front:\n    source: synthetic\n    fps: 7\n');
    const config = configOf([
      '--config',
      path,
      '--camera',
      'yard=stdin',
      '--camera',
      'front=file:/tmp/a.mjpeg',
    ]);
    expect(config.cameras?.map(({ name, source, fps }) => ({ name, source, fps }))).toEqual([
      { name: 'front', source: { kind: 'file', path: '/tmp/a.mjpeg' }, fps: 7 },
      { name: 'yard', source: { kind: 'stdin' }, fps: 30 },
    ]);
  });

  it('reads the single camera from the file top level when it has no cameras', () => {
    const path = writeConfig('source: file:/tmp/clip.mjpeg\nfps: 12\nport: 0\n');
    expect(configOf(['--config', path])).toMatchObject({
      port: 0,
      source: { kind: 'file', path: '/tmp/clip.mjpeg' },
      fps: 12,
      audio: { kind: 'synthetic' },
    });
    expect(configOf(['--config', path, '--source', 'stdin']).source).toEqual({ kind: 'stdin' });
  });

  it.each([
    [['--camera', 'front'], /--camera must be NAME=SOURCE/],
    [['--camera', 'Front=synthetic'], /--camera Front: a camera name is 1–32 of/],
    [['--camera', 'a=synthetic', '--camera', 'a=stdin'], /--camera a is given twice/],
    [['--camera', 'a=webcam'], /--camera a: 'webcam' is not one of/],
    [['--camera', 'a=synthetic', '--source', 'stdin'], /--source names the single camera/],
    [['--camera', 'a=stdin', '--camera', 'b=stdin'], /cameras a and b cannot all read standard input/],
    [['--camera', 'a=synthetic', '--fps', '0.5'], /camera a: the synthetic camera needs --fps of at least 1/],
    [['--config', ''], /--config needs a file/],
  ])('rejects %j with a UsageError', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(UsageError);
    expect(() => parseCommandLine(args)).toThrow(message);
  });

  it("refuses --camera beside the file's single-camera source", () => {
    const path = writeConfig('source: synthetic\n');
    expect(() => parseCommandLine(['--config', path, '--camera', 'a=synthetic'])).toThrow(
      /source names the single camera; with --camera, give each its own/,
    );
  });

  it('throws the ConfigError of a bad file, a UsageError', () => {
    const path = writeConfig('cameras:\n  front:\n    source: synthetic\n    fps: fast\n');
    expect(() => parseCommandLine(['--config', path])).toThrow(ConfigError);
    expect(() => parseCommandLine(['--config', path])).toThrow(
      `${path}: cameras.front.fps: expected a number ≥ 0.1, got "fast" (line 4)`,
    );
  });
});

describe('capFrameRate', () => {
  it('keeps at most fps frames per second and every audio packet', async () => {
    const frame = (timestamp: number): MediaPacket => ({
      type: 'image/jpeg',
      body: new Uint8Array(1),
      timestamp,
    });
    const audio: MediaPacket = { type: 'audio/L16', body: new Uint8Array(2), timestamp: 0 };
    // Frames every 40 ms (25 fps), audio between them, capped to 10 fps.
    const times: number[] = [];
    async function* source() {
      for (let at = 0; at < 1000; at += 40) {
        times.push(at);
        yield frame(at);
        times.push(at);
        yield audio;
      }
    }
    const kept: MediaPacket[] = [];
    for await (const packet of capFrameRate(source(), 10, () => times.at(-1)!)) kept.push(packet);
    const frames = kept.filter((packet) => packet.type === 'image/jpeg').map((packet) => packet.timestamp);
    expect(frames).toEqual([0, 120, 240, 360, 480, 600, 720, 840, 960]);
    expect(kept.filter((packet) => packet.type === 'audio/L16')).toHaveLength(25);
  });
});
