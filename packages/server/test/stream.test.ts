import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  decodeChunked,
  frame,
  get,
  partsOf,
  readParts,
  sleep,
  splitResponse,
  useTestServer,
} from './helpers.js';

const { start, open } = useTestServer();

describe('/stream over HTTP/1.1', () => {
  it('answers multipart/x-mixed-replace, chunked, with the no-cache and proxy headers', async () => {
    await start();
    const client = await open('/stream');
    const { status, headers } = splitResponse(client.bytes);
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('multipart/x-mixed-replace;boundary=testboundary');
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(headers['cache-control']).toBe('no-store, no-cache, must-revalidate, max-age=0');
    expect(headers.pragma).toBe('no-cache');
    expect(headers.expires).toBe('0');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers.server).toMatch(/^mjpeg-kit\/\d+\.\d+\.\d+/);
  });

  it('opens with --B once and writes the delimiter right after each body', async () => {
    const server = await start();
    const client = await open('/stream');
    const sent = [
      frame(0x21, 1_700_000_000_000),
      frame(0x22, 1_700_000_000_033),
      frame(0x23, 1_700_000_000_066),
    ];
    for (const packet of sent) {
      server.hub.publish(packet);
      await client.waitFor(() => partsOf(client).length >= sent.indexOf(packet) + 1, 5000, 'a part');
    }
    const { data } = decodeChunked(splitResponse(client.bytes).body);
    expect(data.indexOf('--testboundary\r\n')).toBe(0);
    // The opening line appears once; every later boundary is preceded by CRLF (a tail).
    const all = [...data.toString('latin1').matchAll(/--testboundary\r\n/g)].map((m) => m.index);
    expect(all.length).toBe(4);
    for (const index of all.slice(1))
      expect(data.subarray(index! - 2, index).toString('latin1')).toBe('\r\n');
    const { parts, rest } = readParts(data, 'testboundary');
    expect(rest.length).toBe(0);
    expect(parts.map((part) => Buffer.from(part.body))).toEqual(
      sent.map((packet) => Buffer.from(packet.body)),
    );
    expect(parts[0]!.headerNames).toEqual(['Content-Type', 'Content-Length', 'X-Timestamp', 'X-Frame-Seq']);
    expect(parts[0]!.headers['content-type']).toBe('image/jpeg');
    expect(parts[0]!.headers['x-timestamp']).toBe('1700000000.000000');
    expect(parts[1]!.headers['x-timestamp']).toBe('1700000000.033000');
    expect(Number(parts[2]!.headers['x-frame-seq'])).toBe(sent[2]!.seq);
  });

  it('gives a new viewer the latest frame at once', async () => {
    const server = await start();
    server.hub.publish(frame(0x31));
    const latest = frame(0x32);
    server.hub.publish(latest);
    const client = await open('/stream');
    await client.waitFor(() => partsOf(client).length >= 1, 5000, 'the latest frame');
    const parts = partsOf(client);
    expect(parts.length).toBe(1);
    expect(Buffer.from(parts[0]!.body).equals(Buffer.from(latest.body))).toBe(true);
  });

  it('serves the same stream at /video.mjpg and /?action=stream, and answers POST like GET', async () => {
    const server = await start();
    server.hub.publish(frame(0x41));
    for (const request of [
      get('/video.mjpg'),
      get('/?action=stream'),
      'POST /stream HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/x-mixed-replace\r\nContent-Length: 0\r\n\r\n',
    ]) {
      const client = await open('', request);
      await client.waitFor(() => partsOf(client).length >= 1, 5000, 'a frame');
      expect(splitResponse(client.bytes).status).toBe(200);
    }
  });

  it('answers HEAD with the stream headers and no body', async () => {
    const server = await start();
    server.hub.publish(frame(0x51));
    const client = await open('', 'HEAD /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const bytes = await client.waitForEnd();
    const { status, headers, body } = splitResponse(bytes);
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('multipart/x-mixed-replace;boundary=testboundary');
    expect(body.length).toBe(0);
    expect(server.hub.viewerCount).toBe(0);
  });

  it('ends the body with the last chunk when the hub closes', async () => {
    const server = await start();
    server.hub.publish(frame(0x61));
    const client = await open('/stream');
    await client.waitFor(() => partsOf(client).length >= 1);
    await server.hub.close();
    const bytes = await client.waitForEnd();
    const { data, done } = decodeChunked(splitResponse(bytes).body);
    expect(done).toBe(true);
    expect(bytes.subarray(-5).toString('latin1')).toBe('0\r\n\r\n');
    expect(readParts(data, 'testboundary').parts.length).toBe(1);
    expect(server.logs.some((line) => /left \/stream: shutdown/.test(line))).toBe(true);
  });
});

describe('/stream over HTTP/1.0', () => {
  it('sends an unchunked, close-delimited stream and ends it with FIN', async () => {
    const server = await start();
    const first = frame(0x71);
    server.hub.publish(first);
    const client = await open('', 'GET /stream HTTP/1.0\r\n\r\n');
    await client.waitFor((bytes) => {
      const { body } = splitResponse(bytes);
      return readParts(body, 'testboundary').parts.length >= 1;
    });
    const { headers } = splitResponse(client.bytes);
    expect(headers['transfer-encoding']).toBeUndefined();
    expect(headers['content-length']).toBeUndefined();
    const second = frame(0x72);
    server.hub.publish(second);
    await server.hub.close();
    const { body } = splitResponse(await client.waitForEnd());
    const { parts, rest } = readParts(body, 'testboundary');
    expect(parts.map((part) => part.body[60])).toEqual([0x71, 0x72]);
    // No chunk framing anywhere, and no close delimiter: the FIN ends the body.
    expect(rest.length).toBe(0);
    expect(body.subarray(0, 16).toString('latin1')).toBe('--testboundary\r\n');
  });
});

describe('part layouts', () => {
  it('adds Content-Size with ?legacy=1', async () => {
    const server = await start();
    server.hub.publish(frame(0x81));
    const client = await open('/stream?legacy=1');
    await client.waitFor(() => partsOf(client).length >= 1);
    const part = partsOf(client)[0]!;
    expect(part.headers['content-size']).toBe(String(part.body.length));
    expect(part.headers['content-length']).toBe(String(part.body.length));
  });

  it('sends the next part head right after each tail with ?advance_headers=1', async () => {
    const server = await start();
    const client = await open('/stream?advance_headers=1');
    const first = frame(0x91);
    server.hub.publish(first);
    await client.waitFor((bytes) =>
      decodeChunked(splitResponse(bytes).body).data.includes(Buffer.from(first.body)),
    );
    await sleep(20);
    const second = frame(0x92);
    server.hub.publish(second);
    await client.waitFor((bytes) =>
      decodeChunked(splitResponse(bytes).body).data.includes(Buffer.from(second.body)),
    );
    const text = decodeChunked(splitResponse(client.bytes).body).data.toString('latin1');
    const head = /Content-Type: image\/jpeg\r\nX-Timestamp: \d+\.\d{6}\r\n\r\n/.source;
    const body = (packet: { body: Uint8Array }) =>
      Buffer.from(packet.body)
        .toString('latin1')
        .replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    const layout = new RegExp(
      `^--testboundary\\r\\n${head}${body(first)}\\r\\n--testboundary\\r\\n${head}${body(second)}\\r\\n--testboundary\\r\\n${head}$`,
    );
    expect(text).toMatch(layout);
    expect(text).not.toContain('Content-Length');
  });

  it('serves the same bytes as application/octet-stream with X-Boundary for ?raw=1', async () => {
    const server = await start({}, { allowOrigin: '*' });
    server.hub.publish(frame(0xa1));
    const client = await open('/stream?raw=1');
    await client.waitFor(() => partsOf(client).length >= 1);
    const { headers } = splitResponse(client.bytes);
    expect(headers['content-type']).toBe('application/octet-stream');
    expect(headers['x-boundary']).toBe('testboundary');
    expect(headers['access-control-expose-headers']).toBe('X-Boundary, Server');
    expect(headers['access-control-allow-origin']).toBe('*');
    expect(partsOf(client)[0]!.body[60]).toBe(0xa1);
  });

  it('with dual_final_frames=1 sends the last frame of a still scene twice', async () => {
    const server = await start({ dropSameFrames: true, repeatStillMs: 0 });
    const dual = await open('/stream?dual_final_frames=1');
    const plain = await open('/stream');
    const still = frame(0xb1);
    server.hub.publish(still);
    for (const client of [dual, plain]) await client.waitFor(() => partsOf(client).length >= 1);
    server.hub.publish({ ...still, seq: undefined, timestamp: still.timestamp + 33 });
    await dual.waitFor(() => partsOf(dual).length >= 2);
    server.hub.publish({ ...still, seq: undefined, timestamp: still.timestamp + 66 });
    await sleep(30);
    const next = frame(0xb2);
    server.hub.publish(next);
    for (const client of [dual, plain])
      await client.waitFor(() => partsOf(client).some((part) => part.body[60] === 0xb2));
    expect(partsOf(dual).map((part) => part.body[60])).toEqual([0xb1, 0xb1, 0xb2]);
    expect(partsOf(plain).map((part) => part.body[60])).toEqual([0xb1, 0xb2]);
    expect(server.hub.stats.framesDroppedSame).toBe(2);
  });
});

describe('still scenes', () => {
  it('re-sends the latest frame after repeatStillMs without a new one', async () => {
    const server = await start({ repeatStillMs: 100 });
    server.hub.publish(frame(0xc1));
    const client = await open('/stream');
    await client.waitFor(() => partsOf(client).length >= 3, 5000, 'two repeats');
    expect(partsOf(client).every((part) => part.body[60] === 0xc1)).toBe(true);
    expect(server.hub.stats.framesRepeated).toBeGreaterThanOrEqual(2);
  });
});
