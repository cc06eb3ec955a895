import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { BodyReader } from './helpers/body-reader.js';

/** The built CLI: turbo builds it (and its dependencies) before the tests run. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run "npx turbo run build --filter=mjpeg-kit-server..." first`);
  }
}

/** A CLI process under test with its output so far. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], options: { stdin?: 'pipe' | 'ignore' } = {}) {
    assertBuilt();
    this.child = spawn(process.execPath, [CLI, ...args], {
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Waits for the readiness line and returns the URL it names. */
  async ready(timeoutMs = 15_000): Promise<string> {
    const pattern = /^mjpeg-kit-server listening on (https?:\/\/[^\s]+\/)$/m;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match[1]!;
      if (this.child.exitCode !== null) throw new Error(`exited with ${this.child.exitCode}: ${this.stderr}`);
      if (Date.now() > deadline)
        throw new Error(`no readiness line after ${timeoutMs} ms: ${this.stdout}${this.stderr}`);
      await sleep(20);
    }
  }

  /** Waits for the process to exit, at most `timeoutMs` (then kills it and throws). */
  async exit(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`did not exit within ${timeoutMs} ms: ${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM (so it stops its own children, e.g. an exec source), SIGKILL if still alive after 3 s. */
  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }, 3000);
    timer.unref();
  }
}

/** Runs the CLI to completion (for flags that exit at once). */
export async function runCli(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = new CliProcess(args);
  const { code } = await cli.exit();
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GETs a URL and buffers the whole answer (for finite responses). */
export function fetchAll(
  url: string,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    request.setTimeout(10_000, () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

export async function getState(url: string): Promise<{
  source: { kind: string; online: boolean; error?: string };
  fps: number;
  resolution: { width: number; height: number };
  viewers: number;
  bytesSent: number;
  uptimeSeconds: number;
}> {
  const { status, body } = await fetchAll(`${url}state`);
  if (status !== 200) throw new Error(`/state answered ${status}`);
  return JSON.parse(body.toString());
}

/** Polls `check` until it returns a value (not `undefined`), at most `timeoutMs`. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * An open stream: the raw body bytes (de-chunked by node:http), and the whole JPEG parts
 * found so far (by Content-Length, as the server writes them).
 */
export class StreamReader extends BodyReader {
  readonly chunks: Buffer[] = [];

  protected override take(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  /** Bodies of the complete parts received so far. */
  parts(): Buffer[] {
    const data = Buffer.concat(this.chunks);
    const bodies: Buffer[] = [];
    let at = 0;
    for (;;) {
      const head = data.indexOf('\r\n\r\n', at);
      if (head < 0) break;
      const length = /Content-Length: (\d+)/i.exec(data.subarray(at, head).toString('latin1'));
      if (!length) break;
      const start = head + 4;
      const end = start + Number(length[1]);
      if (end > data.length) break;
      bodies.push(data.subarray(start, end));
      at = end;
    }
    return bodies;
  }

  async waitForParts(count: number, timeoutMs = 10_000): Promise<Buffer[]> {
    return waitUntil(
      () => {
        const parts = this.parts();
        return parts.length >= count ? parts : undefined;
      },
      timeoutMs,
      `${count} parts`,
    );
  }
}

/** Whether bytes look like a whole JPEG (SOI … EOI). */
export function isJpeg(bytes: Uint8Array): boolean {
  return (
    bytes.length > 4 &&
    bytes[0] === 0xff &&
    bytes[1] === 0xd8 &&
    bytes.at(-2) === 0xff &&
    bytes.at(-1) === 0xd9
  );
}

/**
 * CLI processes and stream readers for one test file: `start` and `read` keep each one, and after
 * every test the readers are closed and the processes killed (each exit awaited, at most 5 s).
 */
export function trackCli(): {
  start(args: string[], options?: { stdin?: 'pipe' }): CliProcess;
  read(url: string): StreamReader;
} {
  const running: CliProcess[] = [];
  const readers: StreamReader[] = [];
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await Promise.all(
      running.splice(0).map((cli) => {
        cli.kill();
        return cli.exit(5000).catch(() => undefined);
      }),
    );
  });
  return {
    start(args, options) {
      const cli = new CliProcess(args, options);
      running.push(cli);
      return cli;
    },
    read(url) {
      const reader = new StreamReader(url);
      readers.push(reader);
      return reader;
    },
  };
}

/**
 * Makes a self-signed P-256 certificate for 127.0.0.1 in `dir` with openssl (bounded to 20 s);
 * `status` is openssl's exit status (0 when `cert.pem` and `key.pem` were written).
 */
export function makeTestCertificate(dir: string): { cert: string; key: string; status: number | null } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore', timeout: 20_000 },
  );
  return { cert, key, status: made.status };
}
