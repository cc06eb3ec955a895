/**
 * HTTP/2 with real clients: curl negotiates h2 by ALPN and reads parts, ffmpeg reads the stream
 * over TLS (HTTP/1.1 by ALPN on the same port), and Chromium draws a page of twelve camera
 * streams over h2 while the same page over plain HTTP/1.1 draws six (its per-host connection
 * limit), which proves both the limit and the fix.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectHttp2 } from 'node:http2';
import { Agent, get as httpsGet } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBoundary, MultipartParser, type Part } from '@mjpeg-kit/boundary-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { describeWithTool } from '../../../test-support/tools.js';
import { CliProcess, makeTestCertificate, sleep } from './cli-harness.js';

const CAMERAS = Array.from({ length: 12 }, (_, i) => `c${i}`);
const CAMERA_ARGS = CAMERAS.flatMap((name) => ['--camera', `${name}=synthetic`]);
const LIGHT = ['--host', '127.0.0.1', '--port', '0', '--audio', 'none', '--size', '160x120', '--fps', '5'];
const GRID_PAGE = `<!doctype html><title>grid</title>${CAMERAS.map(
  (name) => `<img id="${name}" src="cams/${name}/stream" width="80" height="60">`,
).join('')}`;

let dir: string;
let cert: string;
let key: string;
const started: CliProcess[] = [];

function startCli(args: string[]): CliProcess {
  const cli = new CliProcess(args);
  started.push(cli);
  return cli;
}

async function stopCli(cli: CliProcess): Promise<void> {
  cli.kill();
  await cli.exit(10_000);
}

/** Parses multipart bytes into parts (throws on a byte out of place). */
function partsOf(contentType: string, body: Buffer): Part[] {
  const parser = new MultipartParser(getBoundary(contentType));
  return parser.write(body);
}

function isJpeg(body: Uint8Array): boolean {
  return body[0] === 0xff && body[1] === 0xd8 && body.at(-2) === 0xff && body.at(-1) === 0xd9;
}

/** Runs a command to its end (bounded by `timeoutMs`, then SIGKILL), collecting stdout bytes and stderr text. */
function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}

/** Distinct client address:port pairs the server logged a camera stream viewer from. */
function streamConnections(log: string): number {
  const remotes = [...log.matchAll(/viewer (\S+) connected to \/cams\//g)].map((match) => match[1]);
  return new Set(remotes).size;
}

describeWithTool('openssl', 'HTTP/2 over TLS with real clients', () => {
  let tls: CliProcess;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-h2-'));
    let status: number | null;
    ({ cert, key, status } = makeTestCertificate(dir));
    if (status !== 0) throw new Error('openssl could not make a test certificate');
    writeFileSync(join(dir, 'index.html'), GRID_PAGE);
    tls = startCli([...LIGHT, ...CAMERA_ARGS, '--tls-cert', cert, '--tls-key', key, '--web-root', dir]);
    url = await tls.ready();
  }, 30_000);

  afterAll(async () => {
    for (const cli of started.splice(0)) await stopCli(cli);
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM ends an h2 stream with END_STREAM, closes an idle HTTP/1.1 keep-alive connection, and exits 0 at once', async () => {
    const cli = startCli([...LIGHT, '--tls-cert', cert, '--tls-key', key]);
    const base = await cli.ready();
    const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
    const idle = await new Promise<Socket>((resolve, reject) => {
      const request = httpsGet(`${base}state`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(socket!));
      });
      let socket: Socket | undefined;
      request.on('socket', (s) => {
        socket = s;
      });
      request.on('error', reject);
    });
    const idleClosed = once(idle, 'close');
    const session = connectHttp2(base, { rejectUnauthorized: false });
    session.on('error', () => {});
    const stream = session.request({ ':path': '/stream' });
    stream.on('error', () => {});
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    const ended = once(stream, 'end');
    const deadline = Date.now() + 5000;
    while (bytes === 0 && Date.now() < deadline) await sleep(20);
    expect(bytes).toBeGreaterThan(0);
    const stoppedAt = Date.now();
    cli.kill();
    await ended;
    expect(stream.rstCode).toBe(0);
    await idleClosed;
    const { code } = await cli.exit(10_000);
    expect(code).toBe(0);
    // Well under the shutdown timeout (3 s): nothing held the server open.
    expect(Date.now() - stoppedAt).toBeLessThan(2500);
    session.destroy();
    agent.destroy();
  });

  describeWithTool('curl', 'curl --http2', () => {
    it('negotiates h2 by ALPN and reads JPEG parts from /stream, with no chunked coding', async () => {
      const headersFile = join(dir, 'curl-headers.txt');
      const { stdout } = await run(
        'curl',
        [
          '--http2',
          '-k',
          '-s',
          '--max-time',
          '2',
          '-D',
          headersFile,
          '-w',
          '\n%{http_version}',
          `${url}cams/c0/stream`,
        ],
        10_000,
      );
      const text = stdout.toString('latin1');
      const version = text.slice(text.lastIndexOf('\n') + 1);
      // curl prints the -w line only when the transfer ends well; a live stream ends by --max-time.
      const head = readFileSync(headersFile, 'latin1');
      expect(head).toMatch(/^HTTP\/2 200/);
      expect(head).not.toMatch(/transfer-encoding|connection:/i);
      const contentType = /content-type: (.+)\r\n/i.exec(head)![1]!;
      const body = version === '2' ? stdout.subarray(0, stdout.lastIndexOf('\n')) : stdout;
      const parts = partsOf(contentType, body);
      expect(parts.length).toBeGreaterThanOrEqual(3);
      expect(parts.every((part) => isJpeg(part.body))).toBe(true);
    });

    it('reports http_version 2 for a finite answer (/state)', async () => {
      const { code, stdout } = await run(
        'curl',
        ['--http2', '-k', '-s', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${url}state`],
        10_000,
      );
      expect(code).toBe(0);
      expect(stdout.toString()).toBe('2 200');
    });
  });

  describeWithTool('ffmpeg', 'ffmpeg over TLS', () => {
    it('reads /cams/NAME/stream over https and decodes frames', async () => {
      const frames = 5;
      const { code, stdout, stderr } = await run(
        'ffmpeg',
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-tls_verify',
          '0',
          '-f',
          'mpjpeg',
          '-i',
          `${url}cams/c3/stream`,
          '-frames:v',
          String(frames),
          '-f',
          'rawvideo',
          '-pix_fmt',
          'gray',
          '-',
        ],
        20_000,
      );
      expect(code, stderr).toBe(0);
      expect(stdout.length).toBe(160 * 120 * frames);
    });
  });

  describeWithTool(CHROMIUM_PATH, 'Chromium, a page of twelve <img> streams', () => {
    /** How many of the page's images have drawn a frame, once `expected` did (or 15 s passed) and 2 s more. */
    async function drawnImages(pageUrl: string, expected: number): Promise<number> {
      const browser = await launchChromium(['--ignore-certificate-errors']);
      try {
        const page = await browser.newPage();
        await page.goto(pageUrl, { waitUntil: 'commit', timeout: 15_000 });
        const count = () =>
          page.evaluate(() => [...document.images].filter((image) => image.naturalWidth > 0).length);
        const deadline = Date.now() + 15_000;
        let drawn = await count();
        while (drawn < expected && Date.now() < deadline) {
          await sleep(200);
          drawn = await count();
        }
        // Whatever was reached must hold: a seventh image over HTTP/1.1 never gets a connection.
        await sleep(2000);
        return await count();
      } finally {
        await browser.close();
      }
    }

    it('draws all twelve over HTTP/2 (one connection), and only six over plain HTTP/1.1', async () => {
      const logged = tls.stderr.length; // curl's and ffmpeg's viewers came before
      expect(await drawnImages(url, 12)).toBe(12);
      expect(streamConnections(tls.stderr.slice(logged))).toBe(1);

      const plain = startCli([...LIGHT, ...CAMERA_ARGS, '--web-root', dir]);
      const plainUrl = await plain.ready();
      expect(plainUrl).toMatch(/^http:\/\//);
      expect(await drawnImages(plainUrl, 6)).toBe(6);
      expect(streamConnections(plain.stderr)).toBe(6);
    }, 60_000);
  });
});
