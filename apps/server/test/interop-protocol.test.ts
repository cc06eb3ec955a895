/**
 * The server's wire behaviour seen from raw sockets: HTTP/1.0 close-delimited streams, /av
 * read with @mjpeg-kit/boundary-parser, and bad requests (huge headers, bad methods, bad
 * ?fps=, wrong credentials) that get the right status while a healthy viewer keeps receiving
 * frames.
 */

import { request as httpRequest } from 'node:http';
import { getBoundary, MultipartParser, type Part } from '@mjpeg-kit/boundary-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, type StreamWatcher, splitResponse, watchStream } from './interop-helpers/http.js';
import { sleep, waitFor } from './interop-helpers/process.js';
import { type RunningServer, startServer } from './interop-helpers/server.js';

const FPS = 30;
const SERVER_ARGS = ['--size', '320x240', '--fps', String(FPS)];

function isJpeg(body: Uint8Array): boolean {
  return body[0] === 0xff && body[1] === 0xd8 && body.at(-2) === 0xff && body.at(-1) === 0xd9;
}

/** Reads `path` with node:http and parses parts until `enough(parts)` or `timeoutMs`. */
function readParts(
  url: string,
  enough: (parts: Part[]) => boolean,
  timeoutMs: number,
): Promise<{ parts: Part[]; contentType: string }> {
  return new Promise((resolve, reject) => {
    const parts: Part[] = [];
    const req = httpRequest(url, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      const contentType = res.headers['content-type'] ?? '';
      const parser = new MultipartParser(getBoundary(contentType));
      const finish = (): void => {
        clearTimeout(timer);
        req.destroy();
        resolve({ parts, contentType });
      };
      const timer = setTimeout(finish, timeoutMs);
      res.on('data', (chunk: Buffer) => {
        try {
          parts.push(...parser.write(chunk));
        } catch (error) {
          clearTimeout(timer);
          req.destroy();
          reject(error);
          return;
        }
        if (enough(parts)) finish();
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('protocol', () => {
  let server: RunningServer;
  let viewer: StreamWatcher;

  beforeAll(async () => {
    server = await startServer(SERVER_ARGS);
    // A healthy viewer for the whole file: every bad request below must leave it running.
    viewer = watchStream(`${server.url}stream`);
    expect((await viewer.response).statusCode).toBe(200);
  });

  afterAll(async () => {
    viewer?.close();
    await server?.stop();
  });

  it('answers an HTTP/1.0 GET /stream with an unchunked, close-delimited multipart body', async () => {
    const { bytes } = await rawExchange(server.port, 'GET /stream HTTP/1.0\r\n\r\n', {
      maxBytes: 256 * 1024,
      timeoutMs: 5000,
    });
    const response = splitResponse(bytes);
    expect(response.statusLine).toMatch(/^HTTP\/1\.[01] 200 /);
    expect(response.headers.has('transfer-encoding')).toBe(false);
    expect(response.headers.has('content-length')).toBe(false);
    const contentType = response.headers.get('content-type') ?? '';
    expect(contentType).toMatch(/^multipart\/x-mixed-replace/);
    const boundary = getBoundary(contentType);
    // No chunk-size line: the body starts with the opening delimiter itself.
    expect(response.body.subarray(0, 2).toString('latin1')).toBe('--');
    const parts = new MultipartParser(boundary).write(response.body);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) {
      expect(part.contentType).toBe('image/jpeg');
      expect(isJpeg(part.body)).toBe(true);
      expect(Number(part.headers.get('content-length'))).toBe(part.body.length);
    }
  });

  it('answers HEAD /stream over HTTP/1.0 with the head only, then closes', async () => {
    const { bytes, closedByServer } = await rawExchange(server.port, 'HEAD /stream HTTP/1.0\r\n\r\n', {
      timeoutMs: 5000,
    });
    const response = splitResponse(bytes);
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(0);
    expect(closedByServer).toBe(true);
  });

  it('carries image/jpeg and audio/L16 parts on /av, each kind with increasing X-Timestamp', async () => {
    const { parts, contentType } = await readParts(
      `${server.url}av`,
      (all) =>
        all.filter((part) => part.contentType === 'image/jpeg').length >= 5 &&
        all.filter((part) => part.contentType?.startsWith('audio/L16')).length >= 20,
      8000,
    );
    expect(contentType).toMatch(/^multipart\/x-mixed-replace/);
    const images = parts.filter((part) => part.contentType === 'image/jpeg');
    const audio = parts.filter((part) => part.contentType?.startsWith('audio/L16'));
    expect(images.length).toBeGreaterThanOrEqual(5);
    expect(audio.length).toBeGreaterThanOrEqual(20);
    expect(parts.length).toBe(images.length + audio.length);
    for (const image of images) expect(isJpeg(image.body)).toBe(true);
    for (const packet of audio) {
      expect(packet.contentType).toMatch(/rate=\d+/);
      expect(packet.body.length % 2).toBe(0);
    }
    for (const kind of [images, audio]) {
      const stamps = kind.map((part) => Number(part.headers.get('x-timestamp')));
      for (const stamp of stamps) expect(stamp).toBeGreaterThan(1e9);
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]!);
    }
  });

  it('answers 431 to huge request headers', async () => {
    const huge = `GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
    const { bytes } = await rawExchange(server.port, huge, { timeoutMs: 5000 });
    expect(splitResponse(bytes).status).toBe(431);
  });

  it.each(['DELETE', 'PUT', 'PATCH'])('answers 405 with a body to %s /stream', async (method) => {
    const { bytes } = await rawExchange(
      server.port,
      `${method} /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      { timeoutMs: 5000 },
    );
    const response = splitResponse(bytes);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toMatch(/GET/);
    expect(response.body.length).toBeGreaterThan(0);
  });

  it.each(['abc', '0', '-5', '1e999', ''])('answers 400 to /stream?fps=%s', async (fps) => {
    const { bytes } = await rawExchange(
      server.port,
      `GET /stream?fps=${fps} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      { timeoutMs: 5000 },
    );
    expect(splitResponse(bytes).status).toBe(400);
  });

  it('keeps serving the healthy viewer through all of the above', async () => {
    const before = viewer.frames();
    const grew = await waitFor(() => viewer.frames() >= before + 10, 5000);
    expect(grew).toBe(true);
    expect(viewer.ended()).toBe(false);
    const snapshot = await rawExchange(server.port, 'GET /snapshot.jpg HTTP/1.0\r\n\r\n', {
      timeoutMs: 5000,
    });
    const response = splitResponse(snapshot.bytes);
    expect(response.status).toBe(200);
    expect(isJpeg(response.body)).toBe(true);
  });
});

describe('access control with --auth', () => {
  const user = 'viewer';
  const password = 's3cret:with-colon';
  const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;
  let server: RunningServer;
  let viewer: StreamWatcher;

  beforeAll(async () => {
    server = await startServer([...SERVER_ARGS, '--auth', `${user}:${password}`]);
    viewer = watchStream(`${server.url}stream`, { authorization: basic(`${user}:${password}`) });
    expect((await viewer.response).statusCode).toBe(200);
  });

  afterAll(async () => {
    viewer?.close();
    await server?.stop();
  });

  it.each([
    ['no credentials', undefined],
    ['a wrong password', basic(`${user}:wrong`)],
    ['a wrong user', basic(`someone:${password}`)],
    ['a password one character short', basic(`${user}:${password.slice(0, -1)}`)],
    ['a malformed header', 'Basic !!!'],
  ])('answers 401 with a Basic challenge to %s', async (_what, authorization) => {
    const head = authorization === undefined ? '' : `Authorization: ${authorization}\r\n`;
    const { bytes } = await rawExchange(
      server.port,
      `GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}Connection: close\r\n\r\n`,
      { timeoutMs: 5000 },
    );
    const response = splitResponse(bytes);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('serves the right credentials and keeps the healthy viewer running', async () => {
    const { bytes } = await rawExchange(
      server.port,
      `GET /snapshot.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(`${user}:${password}`)}\r\nConnection: close\r\n\r\n`,
      { timeoutMs: 5000 },
    );
    expect(splitResponse(bytes).status).toBe(200);
    const before = viewer.frames();
    await sleep(100);
    expect(await waitFor(() => viewer.frames() >= before + 10, 5000)).toBe(true);
    expect(viewer.ended()).toBe(false);
  });
});
