/**
 * The relay: `--source http://…` pulls an upstream stream with @mjpeg-kit/client's
 * openStream and re-serves it. Frames must come out byte-identical, the relay must heal when
 * the upstream is killed and restarted (for viewers that stayed and for new ones), and an
 * upstream that goes silent without closing must be caught by the client's idle timeout.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getBoundary, MultipartParser } from '@mjpeg-kit/boundary-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { videoSource } from '../src/sources.js';
import { CliProcess, getState, sleep, waitUntil } from './cli-harness.js';

const UPSTREAM_ARGS = ['--size', '160x120', '--fps', '15', '--audio', 'none'];
const processes: CliProcess[] = [];
const cleanups: (() => void | Promise<void>)[] = [];

function cli(args: string[]): CliProcess {
  const child = new CliProcess(args);
  processes.push(child);
  return child;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const child of processes.splice(0)) {
    child.kill();
    await child.exit(5000).catch(() => {});
  }
});

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

/**
 * A viewer that reads a stream with the boundary parser alone (no client code), keeping every
 * JPEG body in arrival order as hex. Stops on `close()` or after 60 s.
 */
class Viewer {
  readonly frames: string[] = [];
  error: unknown;
  readonly #controller = new AbortController();
  readonly done: Promise<void>;

  constructor(url: string) {
    const timer = setTimeout(() => this.#controller.abort(), 60_000);
    cleanups.push(() => this.close());
    this.done = (async () => {
      try {
        const response = await fetch(url, { signal: this.#controller.signal });
        const parser = new MultipartParser(getBoundary(response.headers.get('content-type') ?? ''));
        const reader = response.body!.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const part of parser.write(value)) {
            if (part.contentType?.startsWith('image/jpeg')) this.frames.push(hex(part.body));
          }
        }
      } catch (error) {
        if (!this.#controller.signal.aborted) this.error = error;
      } finally {
        clearTimeout(timer);
      }
    })();
  }

  /** Waits (bounded) until `predicate` holds for the frames so far. */
  waitFor(predicate: (frames: string[]) => boolean, timeoutMs = 15_000, what = 'frames'): Promise<true> {
    return waitUntil(() => (predicate(this.frames) ? true : undefined), timeoutMs, what);
  }

  async close(): Promise<void> {
    this.#controller.abort();
    await this.done;
  }
}

describe('relay: --source http://upstream/stream', () => {
  it('re-serves the upstream frames byte-identical', async () => {
    const upstream = cli(['--port', '0', ...UPSTREAM_ARGS]);
    const upstreamUrl = await upstream.ready();
    const relay = cli(['--port', '0', '--source', `${upstreamUrl}stream`, '--audio', 'none']);
    const relayUrl = await relay.ready();

    const direct = new Viewer(`${upstreamUrl}stream`);
    await direct.waitFor((frames) => frames.length >= 1);
    const relayed = new Viewer(`${relayUrl}stream`);
    await relayed.waitFor((frames) => frames.length >= 12);
    const seen = relayed.frames.slice(1, 11); // the first may predate the direct viewer
    await sleep(300); // let the direct viewer get past the last relayed frame
    const upstreamFrames = new Set(direct.frames);
    for (const frame of seen) expect(upstreamFrames.has(frame)).toBe(true);
    expect(new Set(seen).size).toBeGreaterThan(1); // a moving picture, not one repeated still
    expect((await getState(relayUrl)).source).toMatchObject({ kind: 'http', online: true });
  });

  it('heals after the upstream is killed and restarted on the same port, for staying and new viewers', async () => {
    const upstream = cli(['--port', '0', ...UPSTREAM_ARGS]);
    const upstreamUrl = await upstream.ready();
    const port = new URL(upstreamUrl).port;
    const relay = cli(['--port', '0', '--source', `${upstreamUrl}stream`, '--audio', 'none']);
    const relayUrl = await relay.ready();

    const staying = new Viewer(`${relayUrl}stream`);
    await staying.waitFor((frames) => frames.length >= 5);

    upstream.kill();
    await upstream.exit();
    await waitUntil(
      async () => ((await getState(relayUrl)).source.online ? undefined : true),
      15_000,
      'relay offline',
    );
    const beforeRestart = new Set(staying.frames);

    const restarted = cli(['--port', port, ...UPSTREAM_ARGS]);
    await restarted.ready();
    // Healed: the staying viewer gets frames it never saw before the kill (the hub may repeat
    // the last still while the upstream is away; those do not count).
    await staying.waitFor(
      (frames) => frames.filter((frame) => !beforeRestart.has(frame)).length >= 5,
      20_000,
      'new frames after the restart',
    );
    expect(staying.error).toBeUndefined();
    const fresh = new Viewer(`${relayUrl}stream`);
    await fresh.waitFor((frames) => frames.filter((frame) => !beforeRestart.has(frame)).length >= 3);
    expect((await getState(relayUrl)).source.online).toBe(true);
    // One reconnect loop: the client's own, never the supervisor's backoff on top of it.
    expect(relay.stderr).toMatch(/video source lost: .*; retrying in \d+ ms/);
    expect(relay.stderr).not.toMatch(/restarting in/);
  });

  it('with --idle-stop, holds its upstream connection only while someone watches (#10)', async () => {
    const upstream = cli(['--port', '0', ...UPSTREAM_ARGS]);
    const upstreamUrl = await upstream.ready();
    const relay = cli([
      '--port',
      '0',
      '--source',
      `${upstreamUrl}stream`,
      '--audio',
      'none',
      '--idle-stop',
      '1',
    ]);
    const relayUrl = await relay.ready();
    await sleep(500);
    // Nobody watches the relay yet: it has not connected upstream.
    expect((await getState(upstreamUrl)).viewers).toBe(0);
    expect((await getState(relayUrl)).source).toEqual({
      kind: 'http',
      online: false,
      error: 'waiting for a viewer',
    });

    const viewer = new Viewer(`${relayUrl}stream`);
    await viewer.waitFor((frames) => frames.length >= 3);
    expect((await getState(upstreamUrl)).viewers).toBe(1);
    await viewer.close();
    await waitUntil(
      async () => ((await getState(upstreamUrl)).viewers === 0 ? true : undefined),
      5000,
      'the relay to let go of its upstream',
    );
    expect((await getState(relayUrl)).source).toEqual({
      kind: 'http',
      online: false,
      error: 'stopped while idle',
    });
    expect(relay.stderr).toMatch(/no viewers for 1 s: stopping video source/);
  });

  it('pulls from a Digest-protected camera with the credentials in --source', async () => {
    const donor = cli(['--port', '0', ...UPSTREAM_ARGS]);
    const frame = new Uint8Array(await (await fetch(`${await donor.ready()}snapshot.jpg`)).arrayBuffer());
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    const realm = 'Login to 4K-DVR';
    const nonces = new Set<string>();
    const authorized: boolean[] = [];
    // A Dahua-like camera: Digest MD5, qop=auth; a live stream once the answer checks out.
    const camera = createServer((req: IncomingMessage, res: ServerResponse) => {
      const header = req.headers.authorization ?? '';
      const fields = Object.fromEntries(
        [...header.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]),
      );
      const ha1 = md5(`admin:${realm}:pa55 word`);
      const expected = md5(
        `${ha1}:${fields.nonce}:${fields.nc}:${fields.cnonce}:auth:${md5(`GET:${req.url}`)}`,
      );
      const ok =
        header.startsWith('Digest ') && nonces.has(fields.nonce ?? '') && fields.response === expected;
      authorized.push(ok);
      if (!ok) {
        const nonce = randomBytes(8).toString('hex');
        nonces.add(nonce);
        res
          .writeHead(401, { 'www-authenticate': `Digest realm="${realm}", qop="auth", nonce="${nonce}"` })
          .end();
        return;
      }
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=myboundary' });
      const timer = setInterval(() => {
        res.write(`--myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`);
        res.write(frame);
        res.write('\r\n');
      }, 50);
      res.on('close', () => clearInterval(timer));
    });
    camera.listen(0, '127.0.0.1');
    await new Promise((resolve) => camera.once('listening', resolve));
    cleanups.push(() => {
      camera.closeAllConnections();
      camera.close();
    });
    const port = (camera.address() as AddressInfo).port;

    const relay = cli([
      '--port',
      '0',
      '--source',
      `http://admin:pa55%20word@127.0.0.1:${port}/cgi-bin/mjpg/video.cgi`,
    ]);
    const viewer = new Viewer(`${await relay.ready()}stream`);
    await viewer.waitFor((frames) => frames.includes(hex(frame)));
    expect(authorized).toContain(true);
    expect(authorized[0]).toBe(false); // no credentials until challenged, then the Digest answer
  });

  it('catches an upstream that goes silent without closing (idle timeout) and reconnects', async () => {
    // A crafted upstream: one frame from the synthetic CLI, then silence on an open socket.
    const donor = cli(['--port', '0', ...UPSTREAM_ARGS]);
    const donorUrl = await donor.ready();
    const frame = new Uint8Array(await (await fetch(`${donorUrl}snapshot.jpg`)).arrayBuffer());
    const requests: number[] = [];
    const open = new Set<ServerResponse>();
    const silent = createServer((_req, res) => {
      requests.push(Date.now());
      open.add(res);
      res.on('close', () => open.delete(res));
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=quiet' });
      res.write(`--quiet\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`);
      res.write(frame);
      res.write('\r\n--quiet\r\n'); // and then nothing, socket kept open
    });
    silent.listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    cleanups.push(() => {
      silent.closeAllConnections();
      silent.close();
    });
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/stream`;

    const relay = cli(['--port', '0', '--source', silentUrl, '--source-timeout', '1.5', '--audio', 'none']);
    const relayUrl = await relay.ready();
    const viewer = new Viewer(`${relayUrl}stream`);
    await viewer.waitFor((frames) => frames.includes(hex(frame)));

    // After --source-timeout (1.5 s) of silence the relay drops the connection, reports the
    // source offline with the reason, and connects again.
    await waitUntil(() => (requests.length >= 2 ? true : undefined), 15_000, 'a second upstream request');
    expect(requests[1]! - requests[0]!).toBeGreaterThanOrEqual(1_400);
    await waitUntil(() => (open.size <= 1 ? true : undefined), 5_000, 'the silent connection to close');
    expect(relay.stdout + relay.stderr).toMatch(/idleTimeoutMs/);
  }, 30_000);
});

describe('relay: upstream parts as pieces', () => {
  /** A camera that sends `frames` in turn, each part cut into 997-byte writes a moment apart. */
  async function raggedCamera(frames: Uint8Array[]): Promise<string> {
    const camera = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=cut' });
      let open = true;
      res.on('close', () => {
        open = false;
      });
      void (async () => {
        for (let i = 0; open; i++) {
          const frame = frames[i % frames.length]!;
          const part = Buffer.concat([
            Buffer.from(`--cut\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`),
            frame,
            Buffer.from('\r\n'),
          ]);
          for (let at = 0; at < part.length && open; at += 997) {
            res.write(part.subarray(at, at + 997));
            await sleep(2);
          }
          await sleep(30);
        }
      })();
    });
    camera.listen(0, '127.0.0.1');
    await new Promise((resolve) => camera.once('listening', resolve));
    cleanups.push(() => {
      camera.closeAllConnections();
      camera.close();
    });
    return `http://127.0.0.1:${(camera.address() as AddressInfo).port}/stream`;
  }

  /** A few distinct 640x480 JPEGs from the synthetic camera. */
  async function donorFrames(count: number): Promise<Uint8Array[]> {
    const donor = cli(['--port', '0', '--size', '640x480', '--fps', '15', '--audio', 'none']);
    const donorUrl = await donor.ready();
    const frames: Uint8Array[] = [];
    while (frames.length < count) {
      const frame = new Uint8Array(await (await fetch(`${donorUrl}snapshot.jpg`)).arrayBuffer());
      if (!frames.some((seen) => hex(seen) === hex(frame))) frames.push(frame);
      await sleep(80);
    }
    return frames;
  }

  it('the http source asks the client for pieces: bodies spanning chunks come as views, joined byte-identical', async () => {
    const [frame] = await donorFrames(1);
    const url = await raggedCamera([frame!]);
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const plan = videoSource(
      { kind: 'http', url },
      { width: 640, height: 480, fps: 15, sourceTimeoutMs: 5000 },
    );
    const source = await plan.open({ signal: controller.signal, onStatus: () => {} });
    const iterator = source[Symbol.asyncIterator]();
    const { value: packet } = await iterator.next();
    await iterator.return?.();
    if (!packet || !('pieces' in packet))
      throw new Error(`expected a packet with pieces, got ${String(packet)}`);
    expect(packet.pieces.length).toBeGreaterThan(1);
    expect(packet.bodyLength).toBe(frame!.length);
    expect(hex(Buffer.concat(packet.pieces))).toBe(hex(frame!));
  });

  it('relays frames cut into many chunks byte-identical, and serves the snapshot and the size from them', async () => {
    const frames = await donorFrames(3);
    const relay = cli(['--port', '0', '--source', await raggedCamera(frames), '--audio', 'none']);
    const relayUrl = await relay.ready();
    const viewer = new Viewer(`${relayUrl}stream`);
    await viewer.waitFor(
      (seen) => new Set(seen).size >= 3 && seen.length >= 6,
      20_000,
      'three distinct frames',
    );
    const upstream = new Set(frames.map(hex));
    for (const frame of viewer.frames) expect(upstream.has(frame)).toBe(true);
    const snapshot = new Uint8Array(await (await fetch(`${relayUrl}snapshot.jpg`)).arrayBuffer());
    expect(upstream.has(hex(snapshot))).toBe(true);
    expect((await getState(relayUrl)).resolution).toEqual({ width: 640, height: 480 });
  }, 40_000);
});
