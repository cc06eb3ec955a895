import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { openStream, StreamError } from '../src/index.js';
import { DIALECTS } from './helpers/dialects.js';
import { serverPerTest, writeSlowly } from './helpers/http.js';
import { bytes, FRAMES, hex, jpegSummaries, summary } from './helpers/media.js';
import { every } from './helpers/split.js';
import { delay, take, testOptions } from './helpers/stream.js';

const [F1, F2, F3] = FRAMES as [Uint8Array, Uint8Array, Uint8Array];
const serve = serverPerTest();

/** A part as mjpeg-kit lays it out (opening line sent once, delimiter right after the body). */
const part = (frame: Uint8Array, boundary = 'b', extra = '') =>
  bytes(
    `Content-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n${extra}\r\n`,
    frame,
    `\r\n--${boundary}\r\n`,
  );

/** A live server: sends `frames` in a loop every `intervalMs` until the client leaves. */
function liveHandler(frames: Uint8Array[], intervalMs = 20) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=b' });
    res.write('--b\r\n');
    let i = 0;
    const timer = setInterval(() => res.write(part(frames[i++ % frames.length]!)), intervalMs);
    res.on('close', () => clearInterval(timer));
  };
}

describe('openStream over real HTTP plays each dialect', () => {
  it.each(DIALECTS)('$name: frames byte-identical, parser $parser', async (dialect) => {
    const server = await serve((_req, res) => {
      res.writeHead(200, dialect.headers);
      // Ragged chunks, then keep the connection open like a live stream.
      void writeSlowly(res, every(dialect.body, 777));
    });
    const stream = openStream(`${server.url}/stream`, testOptions().options);
    const packets = await take(stream, dialect.expected.length);
    expect(packets.map(summary)).toEqual(dialect.expected);
    expect(stream.stats.parser).toBe(dialect.parser);
    await server.waitForConnections((count) => count === 0);
  });
});

describe('openStream', () => {
  it('keeps live stats: frames, bytes, fps, bitrate, latency, drops from X-Frame-Seq gaps', async () => {
    let seq = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=b' });
      res.write('--b\r\n');
      const timer = setInterval(() => {
        seq += seq === 5 ? 3 : 1; // 6 and 7 are "missed"
        const stamp = ((performance.timeOrigin + performance.now()) / 1000).toFixed(6);
        res.write(part(F1, 'b', `X-Timestamp: ${stamp}\r\nX-Frame-Seq: ${seq}\r\n`));
      }, 10);
      res.on('close', () => clearInterval(timer));
    });
    const stream = openStream(server.url, testOptions().options);
    expect(stream.stats.frames).toBe(0);
    expect(stream.stats.latencyMs).toBeUndefined();
    const packets = await take(stream, 10);
    const stats = stream.stats;
    expect(stats.frames).toBe(10);
    expect(stats.framesDropped).toBe(2);
    expect(packets.map((packet) => packet.seq)).toEqual([1, 2, 3, 4, 5, 8, 9, 10, 11, 12]);
    expect(stats.bytes).toBeGreaterThanOrEqual(10 * F1.length);
    expect(stats.fps).toBeGreaterThan(0);
    expect(stats.bitrateBps).toBeGreaterThan(0);
    expect(stats.latencyMs).toBeGreaterThanOrEqual(0);
    expect(stats.latencyMs).toBeLessThan(5000);
    expect(stats.parser).toBe('multipart');
    expect(stats.boundary).toBe('b');
    expect({ ...stats }).toMatchObject({ fps: expect.any(Number), bitrateBps: expect.any(Number) });
  });

  it('reports connecting, open and closed through onStatus', async () => {
    const server = await serve(liveHandler([F1]));
    const { options, statuses } = testOptions();
    const stream = openStream(server.url, options);
    await take(stream, 2);
    expect(statuses.map((status) => status.state)).toEqual(['connecting', 'open', 'closed']);
    expect(stream.stats.state).toBe('closed');
  });

  it('can be iterated only once', async () => {
    const server = await serve(liveHandler([F1]));
    const stream = openStream(server.url, testOptions().options);
    await take(stream, 1);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError);
  });

  describe('never leaks a connection', () => {
    it('closes the connection when the consumer breaks out of the loop', async () => {
      const server = await serve(liveHandler([F1, F2]));
      const stream = openStream(server.url, testOptions().options);
      await take(stream, 3);
      await server.waitForConnections((count) => count === 0);
    });

    it('aborted mid-frame: iteration ends without an error and the server sees the socket close', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=b' });
        res.write(
          bytes('--b\r\n', part(F1), `Content-Type: image/jpeg\r\nContent-Length: ${F2.length}\r\n\r\n`),
        );
        res.write(F2.subarray(0, 500)); // and never the rest
      });
      const controller = new AbortController();
      const { options, statuses } = testOptions({ signal: controller.signal });
      const stream = openStream(server.url, options);
      const packets = [];
      for await (const packet of stream) {
        packets.push(packet);
        setTimeout(() => controller.abort(), 50); // while the read of F2 is pending
      }
      expect(packets.map(summary)).toEqual(jpegSummaries([F1]));
      expect(statuses.at(-1)).toEqual({ state: 'closed' });
      await server.waitForConnections((count) => count === 0);
    });

    it('aborted while waiting to reconnect: ends at once', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(503).end();
      });
      const controller = new AbortController();
      const { options, statuses } = testOptions({
        signal: controller.signal,
        reconnect: { minDelayMs: 60_000 },
      });
      const stream = openStream(server.url, options);
      const done = take(stream, 1);
      while (!statuses.some((status) => status.state === 'reconnecting')) await delay(5);
      controller.abort();
      expect(await done).toEqual([]);
      expect(statuses.at(-1)?.state).toBe('closed');
    });

    it('ends at once when the signal was aborted before the first read', async () => {
      const server = await serve(liveHandler([F1]));
      const stream = openStream(server.url, { signal: AbortSignal.abort() });
      expect(await take(stream, 1)).toEqual([]);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('with reconnect off, ends with a StreamError', () => {
    it('HTTP_STATUS with the status on a 404', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(404).end('no such camera');
      });
      const { options, statuses } = testOptions({ reconnect: false });
      const error = await take(openStream(server.url, options), 1).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StreamError);
      expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 404 });
      expect(statuses.at(-1)).toMatchObject({ state: 'closed', error });
    });

    it('NETWORK when nothing listens', async () => {
      const server = await serve(() => {});
      const url = server.url;
      await server.close();
      const error = await take(openStream(url, testOptions({ reconnect: false }).options), 1).catch((e) => e);
      expect(error).toMatchObject({ name: 'StreamError', code: 'NETWORK' });
    });

    it('NETWORK when the connection breaks mid-stream', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=b' });
        res.write(bytes('--b\r\n', part(F1)));
        setTimeout(() => res.socket?.destroy(), 50);
      });
      const stream = openStream(server.url, testOptions({ reconnect: false }).options);
      const packets: unknown[] = [];
      const error = await (async () => {
        for await (const packet of stream) packets.push(packet);
      })().catch((e) => e);
      expect(packets).toHaveLength(1);
      expect(error).toMatchObject({ code: 'NETWORK' });
    });

    it('ENDED after the last frame when the server ends the body', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.end(bytes(F1, F2));
      });
      const stream = openStream(server.url, testOptions({ reconnect: false }).options);
      const packets: unknown[] = [];
      const error = await (async () => {
        for await (const packet of stream) packets.push(summary(packet));
      })().catch((e) => e);
      expect(packets).toEqual(jpegSummaries([F1, F2]));
      expect(error).toMatchObject({ code: 'ENDED' });
    });

    it('IDLE_TIMEOUT when a server goes silent without closing', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=b' });
        res.write(bytes('--b\r\n', part(F1))); // then silence, socket kept open
      });
      const stream = openStream(server.url, testOptions({ reconnect: false, idleTimeoutMs: 300 }).options);
      const packets: unknown[] = [];
      const error = await (async () => {
        for await (const packet of stream) packets.push(packet);
      })().catch((e) => e);
      expect(packets).toHaveLength(1);
      expect(error).toMatchObject({ code: 'IDLE_TIMEOUT' });
      await server.waitForConnections((count) => count === 0);
    });

    it('CONNECT_TIMEOUT when the response headers never come', async () => {
      const server = await serve(() => {}); // accepts, never answers
      const stream = openStream(server.url, testOptions({ reconnect: false, connectTimeoutMs: 200 }).options);
      const error = await take(stream, 1).catch((e) => e);
      expect(error).toMatchObject({ code: 'CONNECT_TIMEOUT' });
      await server.waitForConnections((count) => count === 0);
    });

    it('INVALID_URL for a URL it cannot parse', async () => {
      const error = await take(openStream('not a url', { reconnect: false }), 1).catch((e) => e);
      expect(error).toMatchObject({ code: 'INVALID_URL' });
    });
  });

  it('does not mistake a slow consumer for a silent server', async () => {
    const server = await serve(liveHandler([F1], 10));
    const stream = openStream(server.url, testOptions({ reconnect: false, idleTimeoutMs: 100 }).options);
    let count = 0;
    for await (const _ of stream) {
      await delay(150); // longer than idleTimeoutMs, while bytes keep arriving
      if (++count === 3) break;
    }
    expect(count).toBe(3);
  });

  describe('reconnects', () => {
    it('after the server restarts on the same port, with backoff statuses', async () => {
      let connections = 0;
      const server = await serve((req, res) => {
        connections++;
        liveHandler([connections === 1 ? F1 : F2])(req, res);
      });
      const { options, statuses } = testOptions();
      const stream = openStream(server.url, options);
      const seen: Uint8Array[] = [];
      for await (const packet of stream) {
        seen.push(packet.body);
        if (seen.length === 2) {
          await server.close();
          setTimeout(() => void server.restart(), 150);
        }
        if (summary(packet).body === hex(F2)) break;
      }
      expect(stream.stats.reconnects).toBeGreaterThanOrEqual(1);
      const reconnecting = statuses.filter((status) => status.state === 'reconnecting');
      expect(reconnecting.length).toBeGreaterThanOrEqual(1);
      expect(reconnecting[0]).toMatchObject({
        attempt: 1,
        delayMs: expect.any(Number),
        error: expect.any(StreamError),
      });
      expect(statuses.filter((status) => status.state === 'open').length).toBeGreaterThanOrEqual(2);
      await server.waitForConnections((count) => count === 0);
    });

    it('after an idle timeout', async () => {
      let connections = 0;
      const server = await serve((_req, res) => {
        connections++;
        res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=b' });
        res.write(bytes('--b\r\n', part(connections === 1 ? F1 : F3)));
      });
      const { options, statuses } = testOptions({ idleTimeoutMs: 200 });
      const packets = await take(openStream(server.url, options), 2);
      expect(packets.map(summary)).toEqual(jpegSummaries([F1, F3]));
      expect(statuses.find((status) => status.state === 'reconnecting')?.error).toMatchObject({
        code: 'IDLE_TIMEOUT',
      });
    });

    it('after HTTP errors, until the server answers', async () => {
      let requests = 0;
      const server = await serve((req, res) => {
        if (++requests < 3) res.writeHead(503).end();
        else liveHandler([F1])(req, res);
      });
      const stream = openStream(server.url, testOptions().options);
      expect((await take(stream, 1)).map(summary)).toEqual(jpegSummaries([F1]));
      expect(stream.stats.reconnects).toBe(2);
      expect(stream.stats.lastError).toMatchObject({ code: 'HTTP_STATUS', status: 503 });
    });
  });

  describe('credentials in the URL', () => {
    it('become a Basic Authorization header and leave the URL', async () => {
      const server = await serve((req, res) => {
        if (req.headers.authorization !== `Basic ${Buffer.from('admin:s3cret:x').toString('base64')}`) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="cam"' }).end();
          return;
        }
        liveHandler([F1])(req, res);
      });
      const url = server.url.replace('http://', 'http://admin:s3cret%3Ax@');
      const stream = openStream(`${url}/video.mjpg`, testOptions().options);
      expect(await take(stream, 1)).toHaveLength(1);
      expect(stream.stats.url).toBe(`${server.url}/video.mjpg`);
      expect(server.requests.map((req) => [req.url, req.headers.authorization?.split(' ')[0]])).toEqual([
        ['/video.mjpg', undefined], // the challenge picks the scheme: no password sent blind
        ['/video.mjpg', 'Basic'],
      ]);
    });

    it('send the Basic scheme up front on reconnects once challenged', async () => {
      const expected = `Basic ${Buffer.from('u:p').toString('base64')}`;
      const server = await serve((req, res) => {
        if (req.headers.authorization !== expected) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="cam"' }).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=b' });
        res.end(bytes('--b\r\n', part(F1))); // one frame per connection: the client reconnects
      });
      await take(openStream(server.url.replace('http://', 'http://u:p@'), testOptions().options), 3);
      expect(server.requests.map((req) => req.headers.authorization ?? 'none')).toEqual([
        'none',
        expected,
        expected,
        expected,
      ]);
    });

    it('try Basic when a 401 names no scheme', async () => {
      const server = await serve((req, res) => {
        if (req.headers.authorization?.startsWith('Basic ')) liveHandler([F1])(req, res);
        else res.writeHead(401).end();
      });
      expect(
        await take(openStream(server.url.replace('http://', 'http://u:p@'), testOptions().options), 1),
      ).toHaveLength(1);
    });

    it('fail with AUTH_FAILED when a Basic server refuses them', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="cam"' }).end();
      });
      const url = server.url.replace('http://', 'http://admin:wrong@');
      const error = await take(openStream(url, testOptions({ reconnect: false }).options), 1).catch((e) => e);
      expect(error).toMatchObject({ code: 'AUTH_FAILED', status: 401 });
    });

    it('leave an Authorization from options alone', async () => {
      const server = await serve(liveHandler([F1]));
      const url = server.url.replace('http://', 'http://u:p@');
      await take(openStream(url, testOptions({ headers: { Authorization: 'Bearer t0ken' } }).options), 1);
      expect(server.requests[0]!.headers.authorization).toBe('Bearer t0ken');
    });

    describe.each(['MD5', 'SHA-256', 'MD5-sess'])('answer a Digest %s challenge (RFC 7616)', (algorithm) => {
      const user = 'admin';
      const password = 'hik vision!';
      const realm = 'IP Camera(C1234)';

      /** A Digest server like a camera's: checks every field of the answer with node:crypto. */
      function digestCamera() {
        const nonces = new Set<string>();
        const seenNc = new Map<string, number>();
        const hashName = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
        const h = (text: string) => createHash(hashName).update(text).digest('hex');
        return (req: IncomingMessage, res: ServerResponse) => {
          const header = req.headers.authorization ?? '';
          const fields = Object.fromEntries(
            [...header.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]),
          );
          const nc = Number.parseInt(fields.nc ?? '0', 16);
          let ha1 = h(`${user}:${realm}:${password}`);
          if (algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${fields.nonce}:${fields.cnonce}`);
          const expected = h(
            `${ha1}:${fields.nonce}:${fields.nc}:${fields.cnonce}:auth:${h(`GET:${req.url}`)}`,
          );
          const valid =
            header.startsWith('Digest ') &&
            nonces.has(fields.nonce ?? '') &&
            fields.uri === req.url &&
            fields.opaque === 'op4que' &&
            fields.qop === 'auth' &&
            nc > (seenNc.get(fields.nonce!) ?? 0) &&
            fields.response === expected;
          if (!valid) {
            const nonce = randomBytes(12).toString('hex');
            nonces.add(nonce);
            res
              .writeHead(401, {
                'www-authenticate': `Digest realm="${realm}", qop="auth", nonce="${nonce}", opaque="op4que", algorithm=${algorithm}`,
              })
              .end();
            return;
          }
          seenNc.set(fields.nonce!, nc);
          // Drop the stream after one frame so the client reconnects with the cached challenge.
          res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=b' });
          res.end(bytes('--b\r\n', part(F1)));
        };
      }

      it('on the 401, then again on reconnect with the next nonce count', async () => {
        const server = await serve(digestCamera());
        const url = `${server.url.replace('http://', `http://${user}:${encodeURIComponent(password)}@`)}/ISAPI/Streaming/channels/102/httpPreview?x=1`;
        const stream = openStream(url, testOptions().options);
        const packets = await take(stream, 3);
        expect(packets.map(summary)).toEqual(jpegSummaries([F1, F1, F1]));
        const schemes = server.requests.map((req) => req.headers.authorization?.split(' ')[0] ?? 'none');
        // No credentials until challenged (never Basic to a Digest camera), then Digest;
        // reconnects answer the cached challenge with the next nonce count.
        expect(schemes).toEqual(['none', 'Digest', 'Digest', 'Digest']);
      });

      it('fails with AUTH_FAILED for a wrong password', async () => {
        const server = await serve(digestCamera());
        const url = server.url.replace('http://', `http://${user}:wrong@`);
        const error = await take(openStream(url, testOptions({ reconnect: false }).options), 1).catch(
          (e) => e,
        );
        expect(error).toMatchObject({ code: 'AUTH_FAILED', status: 401 });
      });
    });
  });

  describe('the Safari path (a fetch that cannot stream multipart bodies)', () => {
    /** Wraps fetch like Safari: the first read of a multipart/x-mixed-replace body rejects. */
    const safariFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!/multipart\//i.test(response.headers.get('content-type') ?? '')) return response;
      await response.body?.cancel();
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(new TypeError('Load failed'));
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };

    /** A server that answers like mjpeg-kit: multipart, or the same bytes as octet-stream on raw=1. */
    function mjpegKitLike(serverName: string) {
      return (req: IncomingMessage, res: ServerResponse) => {
        const raw = new URL(req.url!, 'http://x').searchParams.get('raw') === '1';
        res.writeHead(200, {
          server: serverName,
          'content-type': raw ? 'application/octet-stream' : 'multipart/x-mixed-replace;boundary=kit',
          ...(raw && { 'x-boundary': 'kit' }),
        });
        res.write('--kit\r\n');
        const timer = setInterval(() => res.write(part(F2, 'kit')), 10);
        res.on('close', () => clearInterval(timer));
      };
    }

    it('retries an mjpeg-kit server with raw=1 at once and plays', async () => {
      const server = await serve(mjpegKitLike('mjpeg-kit/0.1.0'));
      const { options, statuses } = testOptions({ fetch: safariFetch, reconnect: false });
      const stream = openStream(`${server.url}/av?fps=5`, options);
      const packets = await take(stream, 2);
      expect(packets.map(summary)).toEqual(jpegSummaries([F2, F2]));
      expect(server.requests.map((req) => req.url)).toEqual(['/av?fps=5', '/av?fps=5&raw=1']);
      expect(stream.stats.url).toBe(`${server.url}/av?fps=5&raw=1`);
      expect(stream.stats.parser).toBe('multipart');
      expect(statuses.some((status) => status.state === 'reconnecting')).toBe(false);
    });

    it('asks for raw=1 from the start with { raw: true }', async () => {
      const server = await serve(mjpegKitLike('mjpeg-kit/0.1.0'));
      await take(openStream(`${server.url}/stream`, testOptions({ raw: true }).options), 1);
      expect(server.requests.map((req) => req.url)).toEqual(['/stream?raw=1']);
    });

    it('ends with UNSUPPORTED_BODY and parser "img" for another server, when an <img> can be used', async () => {
      const server = await serve(mjpegKitLike('ustreamer/4.9'));
      const { options, statuses } = testOptions({ fetch: safariFetch, imgFallback: true });
      const stream = openStream(server.url, options);
      const error = await take(stream, 1).catch((e) => e);
      expect(error).toMatchObject({ code: 'UNSUPPORTED_BODY' });
      expect(stream.stats.parser).toBe('img');
      expect(statuses.at(-1)).toMatchObject({ state: 'closed', error });
      expect(server.requests).toHaveLength(1);
    });

    it('without a DOM, treats it as a network error and keeps reconnecting', async () => {
      const server = await serve(mjpegKitLike('ustreamer/4.9'));
      const controller = new AbortController();
      const { options, statuses } = testOptions({ fetch: safariFetch, signal: controller.signal });
      const stream = openStream(server.url, options);
      const done = take(stream, 1);
      while (statuses.filter((status) => status.state === 'reconnecting').length < 2) await delay(5);
      expect(stream.stats.lastError).toMatchObject({ code: 'NETWORK' });
      expect(stream.stats.parser).toBeUndefined();
      controller.abort();
      expect(await done).toEqual([]);
    });
  });
});
