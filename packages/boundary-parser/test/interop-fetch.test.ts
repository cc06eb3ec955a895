import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBoundary, parseMultipart } from '../src/index.js';
import { text } from './replay.js';

/** A live MJPEG-like server on 127.0.0.1:0: one part per 20 ms, endless, camera style. */
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary="--cam frame"' });
    let seq = 0;
    const timer = setInterval(() => {
      const body = `\xff\xd8frame ${seq++}\xff\xd9`;
      response.write(
        `--cam frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${body.length}\r\n\r\n`,
        'latin1',
      );
      response.write(`${body}\r\n`, 'latin1'); // the delimiter only comes with the next frame
    }, 20);
    response.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('interop with fetch() over a real socket', () => {
  it('reads live parts from a fetch body and stops when the fetch is aborted', async () => {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(new Error('test timeout')), 10_000);
    const response = await fetch(url, { signal: controller.signal });
    const boundary = getBoundary(response.headers.get('content-type') ?? '');
    expect(boundary).toBe('--cam frame');
    const bodies: string[] = [];
    for await (const part of parseMultipart(response.body!, boundary, { signal: controller.signal })) {
      bodies.push(text(part.body));
      if (bodies.length === 5) break;
    }
    controller.abort();
    clearTimeout(timeout);
    expect(bodies).toEqual([0, 1, 2, 3, 4].map((i) => `\xff\xd8frame ${i}\xff\xd9`));
  });
});
