import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMjpegHandler, type HandlerLogEvent, MjpegHub } from '../src/index.js';
import { get, RawClient, splitResponse, startServer, type TestServer } from './helpers.js';

/**
 * A disk that fails: `stat` of a path with `unreadable` in it, and reads of a path with
 * `failing-read` in it, reject with EIO, as a bad sector or a dropped network mount does.
 */
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const eio = (syscall: string, path: unknown) =>
    Object.assign(new Error(`EIO: i/o error, ${syscall} '${String(path)}'`), { code: 'EIO', syscall });
  const stat = ((path: Parameters<typeof real.stat>[0], ...rest: [never]) =>
    String(path).includes('unreadable')
      ? Promise.reject(eio('stat', path))
      : real.stat(path, ...rest)) as typeof real.stat;
  const open = (async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    if (String(args[0]).includes('failing-read')) {
      handle.read = (() => Promise.reject(eio('read', args[0]))) as typeof handle.read;
    }
    return handle;
  }) as typeof real.open;
  return { ...real, stat, open, default: { ...real, stat, open } };
});

let root: string;
let server: TestServer | undefined;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mjpeg-failing-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'assets', 'unreadable.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'failing-read.js'), 'console.log(2)');
  writeFileSync(join(root, 'assets', 'fine.js'), 'console.log(3)');
  rejections.length = 0;
  process.on('unhandledRejection', onRejection);
});

afterEach(async () => {
  process.off('unhandledRejection', onRejection);
  await server?.close();
  server = undefined;
  rmSync(root, { recursive: true, force: true });
});

async function fetchRaw(port: number, path: string): Promise<ReturnType<typeof splitResponse>> {
  const client = await RawClient.request(port, get(path));
  try {
    return splitResponse(await client.waitForEnd(3000));
  } finally {
    client.close();
  }
}

describe('a route that fails answers 500, never an unhandled rejection (#9)', () => {
  it.each([
    ['the file cannot be looked up', '/assets/unreadable.js'],
    ['the file cannot be read', '/assets/failing-read.js'],
  ])('answers 500 and logs it when %s', async (_, path) => {
    server = await startServer({}, { webRoot: root });
    const response = await fetchRaw(server.port, path);
    expect(response.status).toBe(500);
    expect(response.body.toString()).toBe('500 Internal Server Error\n');
    const failure = server.events.find((event) => event.event === 'error');
    expect(failure).toMatchObject({ event: 'error', path });
    expect((failure as Extract<HandlerLogEvent, { event: 'error' }>).error).toMatchObject({ code: 'EIO' });
    expect(server.logs.at(-1)).toMatch(/^request 127\.0\.0\.1:\d+ \/assets\/.+ failed: EIO/);
    expect((await fetchRaw(server.port, '/assets/fine.js')).body.toString()).toBe('console.log(3)');
    expect(rejections).toEqual([]);
  });

  it('answers 500 when the page itself cannot be read', async () => {
    const pageRoot = join(root, 'unreadable');
    mkdirSync(pageRoot);
    writeFileSync(join(pageRoot, 'index.html'), '<!doctype html>');
    server = await startServer({}, { webRoot: pageRoot });
    expect((await fetchRaw(server.port, '/')).status).toBe(500);
    expect(rejections).toEqual([]);
  });

  it('answers 500 when a snapshot wait fails', async () => {
    server = await startServer();
    vi.spyOn(server.hub, 'waitForFrame').mockRejectedValue(new Error('the hub broke'));
    expect((await fetchRaw(server.port, '/snapshot.jpg')).status).toBe(500);
    expect(server.logs.at(-1)).toMatch(/\/snapshot\.jpg failed: the hub broke$/);
    expect(rejections).toEqual([]);
  });

  it('hands the error to next(error) when next is given, as Express middleware', async () => {
    const hub = new MjpegHub();
    const handler = createMjpegHandler(hub, { webRoot: root });
    const errors: unknown[] = [];
    const http = createServer((req, res) =>
      handler(req, res, (error?: unknown) => {
        errors.push(error);
        res.writeHead(error === undefined ? 404 : 502, { 'Content-Length': 0 });
        res.end();
      }),
    );
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const response = await fetchRaw((http.address() as AddressInfo).port, '/assets/failing-read.js');
      expect(response.status).toBe(502);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'EIO' });
      expect(rejections).toEqual([]);
    } finally {
      await hub.close();
      http.closeAllConnections();
      http.close();
    }
  });
});
