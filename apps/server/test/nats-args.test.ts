import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { camerasOf, parseCommandLine, UsageError } from '../src/args.js';
import { parseConfig } from '../src/config.js';
import { parseNatsUrl, redactNatsUrl } from '../src/nats-url.js';
import { runCli } from './cli-harness.js';
import { configOf, problemsOf } from './helpers/parsed-config.js';

const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-nats-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function usageError(args: string[]): UsageError {
  try {
    parseCommandLine(args);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a UsageError for ${args.join(' ')}`);
}

describe('parseNatsUrl', () => {
  it('reads servers (default port 4222), credentials, TLS and the subject', () => {
    expect(
      parseNatsUrl('nats://me:p%40ss@n1:4222,10.0.0.2,[::1]:4223/mjpeg.front', { camera: true }),
    ).toEqual({
      servers: ['n1:4222', '10.0.0.2:4222', '[::1]:4223'],
      user: 'me',
      pass: 'p@ss',
      tls: false,
      subject: 'mjpeg.front',
    });
    expect(parseNatsUrl('tls://s3cret@n1/mjpeg', { camera: false })).toEqual({
      servers: ['n1:4222'],
      token: 's3cret',
      tls: true,
      subject: 'mjpeg',
    });
    expect(parseNatsUrl('nats://n1:4222/a.b?tls=1', { camera: false }).tls).toBe(true);
  });

  it.each([
    ['nats://n1:4222', 'needs a subject'],
    ['nats://n1:4222/', 'needs a subject'],
    ['nats://n1:99999/mjpeg', 'port 99999'],
    ['nats://n1:4222,/mjpeg', "'' is not HOST"],
    ['nats://n1/mj peg', 'without spaces or wildcards'],
    ['nats://n1/mjpeg.*', 'without spaces or wildcards'],
    ['nats://n1/mjpeg..x', 'without spaces or wildcards'],
    ['nats://n1/mjpeg?tls=maybe', 'tls must be 1 or 0'],
    ['nats://n1/mjpeg?x=1', "unknown parameter 'x'"],
    ['nats://@n1/mjpeg', 'empty credentials'],
    ['nats://:pw@n1/mjpeg', 'user name is needed'],
    [`nats://${Array.from({ length: 33 }, (_, i) => `n${i}`).join(',')}/mjpeg`, 'more than 32'],
  ])('refuses %s', (url, message) => {
    expect(() => parseNatsUrl(url, { camera: false })).toThrow(message);
  });

  it('wants PREFIX.CAMERA, ending in a camera name, for a source', () => {
    expect(() => parseNatsUrl('nats://n1/front', { camera: true })).toThrow('must be PREFIX.CAMERA');
    expect(() => parseNatsUrl('nats://n1/mjpeg.Front', { camera: true })).toThrow(
      'must end in a camera name',
    );
  });

  it('never echoes the credentials of a bad URL', () => {
    for (const url of ['nats://me:hunter2@n1:0/x', 'nats://me:hunter2@/x', 'nats://hunter2@n1/a b']) {
      expect(() => parseNatsUrl(url, { camera: true })).toThrow();
      try {
        parseNatsUrl(url, { camera: true });
      } catch (error) {
        expect((error as Error).message).not.toContain('hunter2');
      }
    }
    expect(redactNatsUrl('nats://me:hunter2@n1/x')).toBe('nats://***@n1/x');
  });
});

describe('--publish and nats:// sources', () => {
  it('--publish publishes every camera under the prefix', () => {
    const config = configOf([
      '--camera',
      'front=synthetic',
      '--publish',
      'nats://me:pw@127.0.0.1:4222,127.0.0.1:4223/site.mjpeg',
    ]);
    expect(config.publish).toEqual({
      servers: ['127.0.0.1:4222', '127.0.0.1:4223'],
      user: 'me',
      pass: 'pw',
      tls: false,
      prefix: 'site.mjpeg',
    });
  });

  it('a nats:// camera source is an edge with no audio of its own by default', () => {
    const [camera] = camerasOf(configOf(['--camera', 'front=tls://n1:4222,n2/mjpeg.front']));
    expect(camera!.source).toEqual({
      kind: 'nats',
      servers: ['n1:4222', 'n2:4222'],
      tls: true,
      subject: 'mjpeg.front',
    });
    expect(camera!.audio).toEqual({ kind: 'none' });
    expect(camerasOf(configOf(['--source', 'nats://n1/mjpeg.front']))[0]!.source.kind).toBe('nats');
  });

  it.each([
    [['--publish', 'nats://n1'], '--publish needs a subject'],
    [['--publish', 'http://n1/mjpeg'], '--publish'],
    [['--camera', 'front=nats://n1/front'], '--camera front: subject'],
    [['--source', 'nats://me:hunter2@n1/mjpeg'], '--source subject'],
    [
      ['--camera', 'front=nats://n1/mjpeg.front', '--publish', 'nats://n1/mjpeg'],
      'the subject it would be published on',
    ],
  ])('refuses %j', (args, message) => {
    const error = usageError(args);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('hunter2');
  });
});

describe('publish: in the config file', () => {
  it('takes a URL', () => {
    expect(parseConfig('publish: nats://n1:4222/mjpeg\n').settings.publish).toEqual({
      servers: ['n1:4222'],
      tls: false,
      prefix: 'mjpeg',
    });
  });

  it('takes a map: url, cameras, tls files and credentials', () => {
    const { settings } = parseConfig(
      [
        'publish:',
        '  url: nats://n1,n2/mjpeg',
        '  cameras: [front, desk, front]',
        '  tls: { ca: /etc/nats/ca.pem }',
        '  user: origin',
        '  pass: pw',
        '',
      ].join('\n'),
    );
    expect(settings.publish).toEqual({
      servers: ['n1:4222', 'n2:4222'],
      tls: { ca: '/etc/nats/ca.pem' },
      user: 'origin',
      pass: 'pw',
      prefix: 'mjpeg',
      cameras: ['front', 'desk'],
    });
    expect(parseConfig('publish: { url: "nats://n1/m", tls: true }\n').settings.publish?.tls).toBe(true);
  });

  it.each([
    ['publish: 5\n', 'publish: expected a nats:// URL or a map with url, got 5 (line 1)'],
    ['publish: nats://n1\n', 'publish.url: needs a subject after the servers: /PREFIX (line 1)'],
    [
      'publish:\n  url: nats://n1/m\n  cameras: []\n',
      'publish.cameras: expected at least one camera (line 3)',
    ],
    [
      'publish:\n  url: nats://n1/m\n  cameras: [Front]\n',
      'publish.cameras.0: expected a camera name (line 3)',
    ],
    [
      'publish:\n  url: nats://n1/m\n  tls: yes please\n',
      'publish.tls: expected true, false or a map of ca, cert and key files, got "yes please" (line 3)',
    ],
    ['publish:\n  url: nats://n1/m\n  user: me\n', 'publish.user: user and pass go together (line 3)'],
    [
      'publish:\n  url: nats://a:b@n1/m\n  user: me\n  pass: x\n',
      'publish.user: given twice: as user and in url',
    ],
    [
      'publish:\n  url: nats://n1/m\n  secret: x\n',
      'publish.secret: unknown key (known: url, cameras, tls, user, pass, token) (line 3)',
    ],
    ['publish:\n  url: tls://n1/m\n  tls: false\n', 'publish.tls: false, but the url asks for TLS'],
  ])('refuses %j', (text, problem) => {
    expect(problemsOf(text).some((line) => line.startsWith(problem))).toBe(true);
  });

  it('refuses a publish camera the server does not have', () => {
    const path = join(dir, 'publish-unknown.yaml');
    writeFileSync(
      path,
      'cameras:\n  front: { source: synthetic }\npublish: { url: "nats://n1/m", cameras: [yard] }\n',
    );
    expect(usageError(['--config', path]).message).toBe("publish.cameras: no camera 'yard' (cameras: front)");
  });

  it('a camera under cameras: reads nats://', () => {
    const { cameras } = parseConfig('cameras:\n  front: { source: "nats://e:pw@n1/mjpeg.front" }\n');
    expect(cameras[0]!.settings.source).toMatchObject({ kind: 'nats', user: 'e', pass: 'pw' });
    expect(problemsOf('cameras:\n  front: { source: "nats://n1" }\n')).toEqual([
      'cameras.front.source: needs a subject after the servers: /PREFIX.CAMERA (line 2)',
    ]);
  });

  it('the CLI exits 2 naming the key path, without the password', async () => {
    const path = join(dir, 'publish-bad.yaml');
    writeFileSync(path, 'publish:\n  url: nats://me:hunter2@n1:0/mjpeg\n');
    const { code, stderr } = await runCli(['--config', path]);
    expect(code).toBe(2);
    expect(stderr).toContain('publish.url: port 0 of');
    expect(stderr).not.toContain('hunter2');
    const flag = await runCli(['--publish', 'nats://me:hunter2@n1:4222']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--publish needs a subject');
    expect(flag.stderr).not.toContain('hunter2');
  });
});
