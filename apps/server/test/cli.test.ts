import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPatternRenderer } from '@mjpeg-kit/sources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import {
  fetchAll,
  getState,
  isJpeg,
  makeTestCertificate,
  runCli,
  sleep,
  trackCli,
  waitUntil,
} from './cli-harness.js';

/** Small and slow, so the suite stays light on a 2-core machine. */
const LIGHT = ['--port', '0', '--size', '160x120', '--fps', '10'];

const { start, read } = trackCli();

let dir: string;
let clip: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mjpeg-cli-'));
  clip = join(dir, 'clip.mjpeg');
  const renderer = new TestPatternRenderer({ width: 160, height: 120 });
  const frames = Array.from({ length: 10 }, (_, i) => renderer.render(1_700_000_000_000 + i * 100, i, false));
  writeFileSync(clip, Buffer.concat(frames));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flags', () => {
  it('prints the usage for --help and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: mjpeg-kit-server/);
    for (const flag of ['--source', '--audio', '--idle-stop', '--tls-cert', '--drop-same-frames'])
      expect(stdout).toContain(flag);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'http'], /--port must be a whole number/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const { code, stderr, stdout } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/--help/);
    expect(stdout).toBe('');
  });
});

describe('startup failures', () => {
  it('exits 1 when the port is in use', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { code, stderr } = await runCli(['--port', String(port)]);
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('exits 1 when the source file cannot be opened', async () => {
    const { code, stderr } = await runCli([...LIGHT, '--source', `file:${join(dir, 'missing.mjpeg')}`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot open file .*missing\.mjpeg/);
  });
});

describe('serving the synthetic camera', () => {
  it('prints the readiness line with the bound port, serves /state, /stream and /snapshot.jpg', async () => {
    const cli = start([...LIGHT, '--audio', 'none']);
    const url = await cli.ready();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(url).not.toBe('http://127.0.0.1:0/');
    const state = await getState(url);
    expect(state.source.kind).toBe('synthetic');
    const stream = read(`${url}stream`);
    const parts = await stream.waitForParts(3);
    expect(stream.response!.headers['content-type']).toMatch(/^multipart\/x-mixed-replace;boundary=/);
    expect(parts.every(isJpeg)).toBe(true);
    const snapshot = await fetchAll(`${url}snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    expect(isJpeg(snapshot.body)).toBe(true);
    const after = await getState(url);
    expect(after.source.online).toBe(true);
    expect(after.resolution).toEqual({ width: 160, height: 120 });
    expect(after.viewers).toBe(1);
    expect(after.bytesSent).toBeGreaterThan(0);
    expect(cli.stderr).toMatch(/viewer 127\.0\.0\.1:\d+ connected to \/stream/);
    expect((await fetchAll(`${url}audio.wav`)).status).toBe(404);
  });

  it('streams the synthetic tone at /audio.wav', async () => {
    const cli = start(LIGHT);
    const url = await cli.ready();
    const wav = read(`${url}audio.wav`);
    const header = await waitUntil(() => {
      const bytes = Buffer.concat(wav.chunks);
      return bytes.length >= 44 + 640 ? bytes : undefined;
    });
    expect(header.subarray(0, 4).toString()).toBe('RIFF');
    expect(header.readUInt32LE(4)).toBe(0xffffffff);
    expect(header.readUInt32LE(24)).toBe(16_000);
  });

  it('ends streams cleanly and exits 0 on SIGTERM', async () => {
    const cli = start(LIGHT);
    const url = await cli.ready();
    const stream = read(`${url}stream`);
    await stream.waitForParts(1);
    cli.child.kill('SIGTERM');
    const { code } = await cli.exit();
    expect(code).toBe(0);
    // node:http saw a properly ended chunked body (the last chunk), not a reset.
    await waitUntil(() => (stream.ended ? true : undefined), 5000, 'the stream to end');
    expect(stream.response!.complete).toBe(true);
    expect(cli.stderr).toMatch(/left \/stream: shutdown/);
  });

  it('exits 0 on SIGINT', async () => {
    const cli = start(LIGHT);
    await cli.ready();
    cli.child.kill('SIGINT');
    const result = await cli.exit();
    expect(result, cli.stderr).toEqual({ code: 0, signal: null });
  });
});

describe('/metrics', () => {
  it('serves Prometheus text behind --key, and to a scraper holding only --metrics-key (#11)', async () => {
    const cli = start([
      ...LIGHT,
      '--audio',
      'none',
      '--key',
      'viewer-token',
      '--metrics-key',
      'scrape-token',
    ]);
    const url = await cli.ready();
    expect((await fetchAll(`${url}metrics`)).status).toBe(401);
    const scraped = await fetchAll(`${url}metrics?key=scrape-token`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(new TextDecoder().decode(scraped.body)).toMatch(/^mjpeg_kit_\w+\{camera="default"/m);
    expect((await fetchAll(`${url}metrics?key=viewer-token`)).status).toBe(200);
    // The scraper's token opens /metrics only, never the camera.
    expect((await fetchAll(`${url}snapshot.jpg?key=scrape-token`)).status).not.toBe(200);
  });
});

describe('--audio pcm:', () => {
  it('serves S16_LE PCM from a file as /audio.wav at its rate', async () => {
    const raw = join(dir, 'tone.raw');
    const samples = Buffer.alloc(8000 * 2);
    for (let i = 0; i < 8000; i++)
      samples.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), i * 2);
    writeFileSync(raw, samples);
    const cli = start([...LIGHT, '--audio', `pcm:${raw}?rate=8000`]);
    const url = await cli.ready();
    const wav = read(`${url}audio.wav`);
    const bytes = await waitUntil(() => {
      const data = Buffer.concat(wav.chunks);
      return data.length >= 44 + 320 ? data : undefined;
    });
    expect(bytes.readUInt32LE(24)).toBe(8000);
    expect(bytes.readUInt16LE(22)).toBe(1);
    // Little-endian samples again, as they came in: a piece of the input, in order.
    expect(samples.includes(bytes.subarray(44, 44 + 64))).toBe(true);
  });
});

describe('--idle-stop', () => {
  it('starts the source for the first viewer, stops it when nobody watches, starts it for the next (#10)', async () => {
    const cli = start([...LIGHT, '--audio', 'none', '--idle-stop', '0.3']);
    const url = await cli.ready();
    await sleep(500);
    // Nobody has watched yet: the source was never started.
    expect((await getState(url)).source).toEqual({
      kind: 'synthetic',
      online: false,
      error: 'waiting for a viewer',
    });
    expect(cli.stderr).not.toMatch(/starting video source/);

    const first = read(`${url}stream`);
    expect((await first.waitForParts(2)).every(isJpeg)).toBe(true);
    first.close();
    const stopped = await waitUntil(
      async () => {
        const state = await getState(url);
        return !state.source.online && state.source.error === 'stopped while idle' ? state : undefined;
      },
      5000,
      'the source to stop',
    );
    expect(stopped.viewers).toBe(0);
    expect(cli.stderr).toMatch(/no viewers for 0\.3 s: stopping video source/);

    const stream = read(`${url}stream`);
    const parts = await stream.waitForParts(3);
    expect(parts.every(isJpeg)).toBe(true);
    expect((await getState(url)).source.online).toBe(true);
    expect(cli.stderr.match(/a viewer came: starting video source/g)).toHaveLength(2);
  });
});

describe('sources', () => {
  it('plays file:PATH, looping', async () => {
    const cli = start([...LIGHT, '--audio', 'none', '--fps', '30', '--source', `file:${clip}`]);
    const url = await cli.ready();
    const stream = read(`${url}stream`);
    const parts = await stream.waitForParts(15);
    expect(parts.every(isJpeg)).toBe(true);
    expect((await getState(url)).source.kind).toBe('file');
  });

  it('reads exec:"COMMAND" and keeps viewers, the snapshot and /state honest when it exits', async () => {
    const cli = start([...LIGHT, '--audio', 'none', '--source', `exec:cat '${clip}'; exit 3`]);
    const url = await cli.ready();
    const stream = read(`${url}stream`);
    await stream.waitForParts(1);
    const offline = await waitUntil(
      async () => {
        const state = await getState(url);
        return state.source.online === false && state.source.error ? state : undefined;
      },
      10_000,
      'the source to be reported offline',
    );
    expect(offline.source.kind).toBe('exec');
    expect(offline.viewers).toBe(1);
    expect(stream.ended).toBe(false);
    const snapshot = await fetchAll(`${url}snapshot.jpg?max_delay=100000`);
    expect(snapshot.status).toBe(200);
    expect(isJpeg(snapshot.body)).toBe(true);
    // Restarted with backoff: the child runs again.
    await waitUntil(
      () => (/restarting in \d+ ms|retrying in/.test(cli.stderr) ? true : undefined),
      10_000,
      'a restart',
    );
  });

  it('answers /state before the first frame of a source that has not delivered yet', async () => {
    const cli = start([...LIGHT, '--audio', 'none', '--source', 'exec:sleep 30']);
    const url = await cli.ready();
    const state = await getState(url);
    expect(state.source).toEqual({ kind: 'exec', online: false });
    expect(state.resolution).toEqual({ width: 0, height: 0 });
    expect(state.fps).toBe(0);
  });

  it('reads concatenated JPEGs from stdin', async () => {
    const cli = start([...LIGHT, '--audio', 'none', '--source', 'stdin'], { stdin: 'pipe' });
    const url = await cli.ready();
    const stream = read(`${url}stream`);
    await sleep(100);
    const { readFileSync } = await import('node:fs');
    cli.child.stdin!.write(readFileSync(clip));
    const parts = await stream.waitForParts(3);
    expect(parts.every(isJpeg)).toBe(true);
    expect((await getState(url)).source.kind).toBe('stdin');
  });
});

describeWithTool('openssl', '--tls-cert/--tls-key', () => {
  it('serves HTTPS with a self-signed certificate', async () => {
    const { cert, key, status } = makeTestCertificate(dir);
    expect(status).toBe(0);
    const cli = start([...LIGHT, '--audio', 'none', '--tls-cert', cert, '--tls-key', key]);
    const url = await cli.ready();
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const state = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      httpsGet(`${url}state`, { rejectUnauthorized: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (text: string) => {
          body += text;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
    expect(state.status).toBe(200);
    expect(JSON.parse(state.body).source.kind).toBe('synthetic');
  });

  it('exits 1 when the TLS files cannot be read', async () => {
    const { code, stderr } = await runCli([
      ...LIGHT,
      '--tls-cert',
      join(dir, 'nope.pem'),
      '--tls-key',
      join(dir, 'nope.key'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot read the TLS files/);
  });
});
