import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { bytesEqual, concatBytes, indexOfBytes } from '@mjpeg-kit/bytes';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import { ChunkedReader, encodeChunk, encodeLastChunk } from '../src/index.js';
import { bytes } from './replay.js';

const servers: net.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    const closed = once(server, 'close');
    server.close();
    if (server instanceof http.Server) server.closeAllConnections();
    await closed;
  }
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function testBodies(): Uint8Array[][] {
  // Parts shaped like the server's: head, a frame-sized body with CRLFs and hex-looking bytes, tail.
  const writes: Uint8Array[][] = [];
  for (let i = 0; i < 20; i++) {
    const body = new Uint8Array(1000 + i * 4099);
    for (let j = 0; j < body.length; j++) body[j] = (j * 31 + i) & 0xff;
    body.set(bytes('\r\n0\r\n\r\n'), Math.floor(body.length / 2));
    writes.push([bytes(`Content-Length: ${body.length}\r\n\r\n`), body, bytes('\r\n--b\r\n')]);
  }
  return writes;
}

describe('interop with Node http', () => {
  it("is read by Node's http client byte for byte, trailers included", async () => {
    const writes = testBodies();
    const port = await listen(
      net.createServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', () => {
          socket.cork();
          socket.write(
            'HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nTrailer: X-Parts\r\n\r\n',
          );
          for (const part of writes) for (const piece of encodeChunk(part)) socket.write(piece);
          socket.write(encodeLastChunk({ 'X-Parts': String(writes.length) }));
          socket.uncork();
          socket.end();
        });
      }),
    );
    const { body, trailers } = await new Promise<{ body: Uint8Array; trailers: NodeJS.Dict<string> }>(
      (resolve, reject) => {
        const request = http.get(
          { host: '127.0.0.1', port, path: '/', agent: false, timeout: 10_000 },
          (response) => {
            const received: Uint8Array[] = [];
            response.on('data', (data: Uint8Array) => received.push(data));
            response.on('end', () => resolve({ body: concatBytes(received), trailers: response.trailers }));
            response.on('error', reject);
          },
        );
        request.on('timeout', () => request.destroy(new Error('timed out')));
        request.on('error', reject);
      },
    );
    expect(bytesEqual(body, concatBytes(writes.flat()))).toBe(true);
    expect(trailers['x-parts']).toBe('20');
  });

  it("decodes a body written by Node's http server, read from a raw socket", async () => {
    const writes = testBodies();
    const port = await listen(
      http.createServer((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/octet-stream', Trailer: 'X-Done' });
        for (const part of writes) response.write(concatBytes(part));
        response.addTrailers({ 'X-Done': 'yes' });
        response.end();
      }),
    );
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(10_000, () => socket.destroy(new Error('timed out')));
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const reader = new ChunkedReader();
    const data: Uint8Array[] = [];
    let head: Uint8Array | undefined = new Uint8Array(0);
    for await (const received of socket as AsyncIterable<Uint8Array>) {
      let chunk = received;
      if (head !== undefined) {
        // Skip the status line and header fields: the reader starts at the body.
        const joined = concatBytes([head, chunk]);
        const end = indexOfBytes(joined, bytes('\r\n\r\n'));
        if (end === -1) {
          head = joined;
          continue;
        }
        expect(new TextDecoder().decode(joined.subarray(0, end))).toMatch(/transfer-encoding: chunked/i);
        chunk = joined.subarray(end + 4);
        head = undefined;
      }
      data.push(...reader.push(chunk));
      if (reader.done) break;
    }
    socket.destroy();
    reader.end();
    expect(bytesEqual(concatBytes(data), concatBytes(writes.flat()))).toBe(true);
    expect(reader.trailers.get('x-done')).toBe('yes');
  });
});

describeWithTool('curl', 'interop with curl', () => {
  it('is decoded by curl byte for byte', async () => {
    const writes = testBodies();
    const port = await listen(
      net.createServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n');
          for (const part of writes) for (const piece of encodeChunk(part)) socket.write(piece);
          socket.end(encodeLastChunk());
        });
      }),
    );
    const curl = spawn('curl', ['--silent', '--show-error', '--max-time', '10', `http://127.0.0.1:${port}/`]);
    const received: Uint8Array[] = [];
    curl.stdout.on('data', (data: Uint8Array) => received.push(data));
    const [code] = await once(curl, 'close');
    expect(code).toBe(0);
    expect(bytesEqual(concatBytes(received), concatBytes(writes.flat()))).toBe(true);
  });

  it('makes curl fail on a body cut before the last chunk', async () => {
    const port = await listen(
      net.createServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n');
          for (const piece of encodeChunk(bytes('partial'))) socket.write(piece);
          socket.end();
        });
      }),
    );
    const curl = spawn('curl', ['--silent', '--max-time', '10', `http://127.0.0.1:${port}/`], {
      stdio: 'ignore',
    });
    const [code] = await once(curl, 'close');
    // 18: partial file. The same cut is TRUNCATED for ChunkedReader.
    expect(code).toBe(18);
    const reader = new ChunkedReader();
    reader.push(concatBytes(encodeChunk(bytes('partial'))));
    expect(() => reader.end()).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });
});
