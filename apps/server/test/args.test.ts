import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/args.js';
import { configOf } from './helpers/parsed-config.js';

describe('parseCommandLine', () => {
  it('defaults to the synthetic camera and tone on 127.0.0.1:8080', () => {
    expect(configOf([])).toEqual({
      host: '127.0.0.1',
      port: 8080,
      source: { kind: 'synthetic' },
      audio: { kind: 'synthetic' },
      width: 640,
      height: 480,
      fps: 30,
      dropSameFrames: false,
      logLevel: 'info',
    });
  });

  it('reads every documented flag', () => {
    const parsed = configOf([
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--size',
      '1280x720',
      '--fps',
      '15',
      '--auth',
      'me:pa:ss',
      '--key',
      'tok',
      '--metrics-key',
      'scrape',
      '--allow-origin',
      '*',
      '--max-viewers',
      '50',
      '--stall-timeout',
      '2.5',
      '--idle-stop',
      '30',
      '--source-timeout',
      '1.5',
      '--drop-same-frames',
      '--tls-cert',
      'c.pem',
      '--tls-key',
      'k.pem',
      '--log-level',
      'debug',
    ]);
    expect(parsed).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      width: 1280,
      height: 720,
      fps: 15,
      auth: 'me:pa:ss',
      key: 'tok',
      metricsKey: 'scrape',
      allowOrigin: '*',
      maxViewers: 50,
      stallTimeoutMs: 2500,
      idleStopMs: 30_000,
      sourceTimeoutMs: 1500,
      dropSameFrames: true,
      tlsCert: 'c.pem',
      tlsKey: 'k.pem',
      logLevel: 'debug',
    });
  });

  it.each([
    ['synthetic', { kind: 'synthetic' }],
    ['stdin', { kind: 'stdin' }],
    ['file:/tmp/clip.mjpeg', { kind: 'file', path: '/tmp/clip.mjpeg' }],
    ['serial:/dev/rfcomm0', { kind: 'serial', path: '/dev/rfcomm0', mode: 'stream' }],
    [
      'serial:/dev/rfcomm0?mode=vc0706&baud=38400',
      { kind: 'serial', path: '/dev/rfcomm0', mode: 'vc0706', baudRate: 38400 },
    ],
    ['exec:ffmpeg -i /dev/video0 -f mjpeg -', { kind: 'exec', command: 'ffmpeg -i /dev/video0 -f mjpeg -' }],
    ['http://user:pw@cam.local/video.mjpg', { kind: 'http', url: 'http://user:pw@cam.local/video.mjpg' }],
    ['https://cam.local/stream', { kind: 'http', url: 'https://cam.local/stream' }],
  ])('reads --source %s', (spec, source) => {
    expect(configOf(['--source', spec]).source).toEqual(source);
  });

  it.each([
    ['none', { kind: 'none' }],
    ['pcm:-', { kind: 'pcm', path: '-', sampleRate: 8000, channels: 1 }],
    [
      'pcm:/tmp/sco.raw?rate=16000&channels=2',
      { kind: 'pcm', path: '/tmp/sco.raw', sampleRate: 16000, channels: 2 },
    ],
  ])('reads --audio %s', (spec, audio) => {
    expect(configOf(['--audio', spec]).audio).toEqual(audio);
  });

  it('answers help and version requests', () => {
    expect(parseCommandLine(['--help'])).toEqual({ action: 'help' });
    expect(parseCommandLine(['-h'])).toEqual({ action: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ action: 'version' });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port'], /argument missing/],
    [['--port', 'http'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be from 0 to 65535/],
    [['--size', '640'], /--size must be WxH/],
    [['--size', '8x8'], /out of range/],
    [['--fps', 'fast'], /--fps must be a number/],
    [['--fps', '0'], /--fps must be from/],
    [['--fps', '0.5'], /synthetic camera needs --fps of at least 1/],
    [['--source', 'webcam'], /--source 'webcam' is not one of/],
    [['--source', 'file:'], /needs a path/],
    [['--source', 'exec:'], /needs a command/],
    [['--source', 'serial:/dev/rfcomm0?mode=jpeg'], /mode must be stream, vc0706 or ov528/],
    [['--source', 'serial:/dev/rfcomm0?speed=9600'], /unknown parameter 'speed'/],
    [['--source', 'http://'], /not a valid URL/],
    [['--audio', 'mic'], /--audio 'mic' is not one of/],
    [['--audio', 'pcm:-?rate=abc'], /rate must be a whole number/],
    [['--auth', 'nopassword'], /--auth must be USER:PASS/],
    [['--key', ''], /--key needs a token/],
    [['--metrics-key', ''], /--metrics-key needs a token/],
    [['--max-viewers', '0'], /--max-viewers must be from 1/],
    [['--stall-timeout=-1'], /--stall-timeout must be a number/],
    [['--source-timeout', '0'], /--source-timeout must be from 0.1 to 3600/],
    [['--stall-timeout', '-1'], /argument is ambiguous/],
    [['--tls-cert', 'cert.pem'], /--tls-cert and --tls-key go together/],
    [['--log-level', 'loud'], /--log-level must be info, debug or warn/],
    [['extra'], /unexpected argument 'extra'/],
    [['--source', 'stdin', '--audio', 'pcm:-'], /cannot both read standard input/],
  ])('rejects %j with a UsageError', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(UsageError);
    expect(() => parseCommandLine(args)).toThrow(message);
  });
});

describe('--web-root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-args-web-root-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a directory holding index.html, as an absolute path (#9)', () => {
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'site', 'index.html'), '<!doctype html>');
    expect(configOf(['--web-root', join(dir, 'site')]).webRoot).toBe(join(dir, 'site'));
    expect(configOf([]).webRoot).toBeUndefined();
  });

  it.each([
    ['a directory without index.html', 'no-page', /--web-root .*no-page has no index\.html/],
    ['a missing directory', 'missing', /--web-root .*missing has no index\.html/],
  ])('rejects %s with a UsageError (#9)', (_, name, message) => {
    mkdirSync(join(dir, 'no-page'), { recursive: true });
    expect(() => parseCommandLine(['--web-root', join(dir, name)])).toThrow(UsageError);
    expect(() => parseCommandLine(['--web-root', join(dir, name)])).toThrow(message);
  });

  it('rejects an empty --web-root', () => {
    expect(() => parseCommandLine(['--web-root', ''])).toThrow(/--web-root needs a directory/);
  });
});

describe('relay defaults', () => {
  it('takes audio from the upstream of an http(s) source instead of the synthetic tone', () => {
    expect(configOf(['--source', 'http://cam.local/av']).audio).toEqual({ kind: 'none' });
    expect(configOf(['--source', 'http://cam.local/av', '--audio', 'synthetic']).audio).toEqual({
      kind: 'synthetic',
    });
  });
});
