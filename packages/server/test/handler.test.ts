import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMjpegHandler, formatViewerEvent, MjpegHub } from '../src/index.js';
import {
  audio,
  frame,
  get,
  hasHead,
  makeJpeg,
  partsOf,
  RawClient,
  sleep,
  splitResponse,
  startServer,
  type TestServer,
} from './helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const PAGE_HTML =
  '<!doctype html><title>player</title><script type="module" src="/assets/app-1a2b.js"></script>';

/** A web build: index.html, a hashed script and style, an icon. Removed by the caller. */
function makeWebRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'mjpeg-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), PAGE_HTML);
  writeFileSync(join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'app-1a2b.css'), 'body { margin: 0 }');
  writeFileSync(join(root, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  return root;
}

/** Polls `condition` every 5 ms for at most 2 s. */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function fetchRaw(request: string): Promise<ReturnType<typeof splitResponse>> {
  const client = await RawClient.request(server!.port, request);
  try {
    return splitResponse(await client.waitForEnd());
  } finally {
    client.close();
  }
}

describe('status codes', () => {
  it.each([
    ['/nothing-here', 404, /Not Found: \/nothing-here/],
    ['/stream?fps=abc', 400, /fps="abc"/],
    ['/stream?fps=0', 400, /fps="0"/],
    ['/stream?fps=-5', 400, /fps="-5"/],
    ['/stream?fps=1e3', 400, /fps/],
    ['/stream?advance_headers=maybe', 400, /advance_headers/],
    ['/av?audio=opus', 400, /audio="opus"/],
    ['/snapshot.jpg?max_delay=soon', 400, /max_delay/],
  ])('GET %s answers %i with a body', async (path, status, body) => {
    server = await startServer();
    const response = await fetchRaw(get(path));
    expect(response.status).toBe(status);
    expect(response.body.toString()).toMatch(body);
    expect(response.headers.server).toMatch(/^mjpeg-kit\//);
  });

  it.each([
    ['PUT', '/stream', 'GET, HEAD, POST'],
    ['DELETE', '/snapshot.jpg', 'GET, HEAD, POST'],
    ['POST', '/state', 'GET, HEAD'],
  ])('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
    server = await startServer();
    const response = await fetchRaw(
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(response.body.toString()).toMatch(/Method Not Allowed/);
  });

  it('answers 503 beyond maxViewers and logs the refusal as limit', async () => {
    server = await startServer({ maxViewers: 1 });
    const first = await RawClient.request(server.port, get('/stream'));
    await first.waitFor(hasHead);
    const response = await fetchRaw(get('/stream'));
    expect(response.status).toBe(503);
    expect(response.body.toString()).toMatch(/viewer limit/);
    expect(server.logs.some((line) => /refused \/stream: limit/.test(line))).toBe(true);
    first.close();
  });

  it('keeps serving healthy viewers after bad requests', async () => {
    server = await startServer();
    const viewer = await RawClient.request(server.port, get('/stream'));
    await viewer.waitFor(hasHead);
    await fetchRaw(get('/stream?fps=nope'));
    await fetchRaw('BREW /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const huge = await RawClient.request(
      server.port,
      `GET /stream HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(splitResponse(await huge.waitForEnd()).status).toBe(431);
    server.hub.publish(frame(0x12));
    await viewer.waitFor(() => partsOf(viewer).length >= 1);
    viewer.close();
  });
});

describe('access control', () => {
  const basic = (pair: string) => `Authorization: Basic ${Buffer.from(pair).toString('base64')}\r\n`;

  it('answers 401 with a Basic challenge without or with wrong credentials', async () => {
    server = await startServer({}, { auth: 'admin:s3cret' });
    for (const extra of ['', basic('admin:wrong'), basic('admin:s3cret!'), 'Authorization: Bearer x\r\n']) {
      const response = await fetchRaw(get('/stream', extra));
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="mjpeg-kit", charset="UTF-8"');
    }
    expect(server.events.filter((event) => event.event === 'refuse' && event.reason === 'auth').length).toBe(
      4,
    );
  });

  it('admits the right Basic credentials', async () => {
    server = await startServer({}, { auth: { username: 'admin', password: 's3cret' } });
    const response = await fetchRaw(get('/state', basic('admin:s3cret')));
    expect(response.status).toBe(200);
  });

  it('admits ?key=TOKEN and refuses a wrong key', async () => {
    server = await startServer({}, { key: 'tok3n' });
    expect((await fetchRaw(get('/state?key=tok3n'))).status).toBe(200);
    expect((await fetchRaw(get('/state?key=tok3m'))).status).toBe(401);
    expect((await fetchRaw(get('/state'))).status).toBe(401);
  });

  it('with a key, serves the page assets without it, and the page and camera data only with it (#9)', async () => {
    const root = makeWebRoot();
    try {
      server = await startServer({}, { key: 'tok3n', webRoot: root, snapshotTimeoutMs: 0 });
      server.hub.publish(frame(0x21));
      server.hub.publish(audio(Date.now()));
      for (const path of ['/assets/app-1a2b.js', '/assets/app-1a2b.css', '/favicon.ico']) {
        const asset = await fetchRaw(get(path));
        expect(asset.status, path).toBe(200);
        expect(asset.body.toString()).not.toBe('');
      }
      for (const path of ['/', '/index.html', '/state', '/stream', '/av', '/audio.wav', '/snapshot.jpg']) {
        const refused = await fetchRaw(get(path));
        expect(refused.status, path).toBe(401);
        expect(refused.headers['www-authenticate']).toBe('Key realm="mjpeg-kit"');
      }
      const page = await fetchRaw(get('/?key=tok3n'));
      expect(page.status).toBe(200);
      expect(page.body.toString()).toBe(PAGE_HTML);
      expect(page.headers['referrer-policy']).toBe('same-origin');
      expect((await fetchRaw(get('/index.html?key=tok3n'))).status).toBe(200);
      expect((await fetchRaw(get('/snapshot.jpg?key=tok3n'))).status).toBe(200);
      expect((await fetchRaw(get('/assets/missing.js'))).status).toBe(404);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('with Basic auth only, web-root files need the credentials too', async () => {
    const root = makeWebRoot();
    try {
      server = await startServer({}, { auth: 'admin:s3cret', webRoot: root });
      const refused = await fetchRaw(get('/assets/app-1a2b.js'));
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toMatch(/^Basic /);
      expect((await fetchRaw(get('/assets/app-1a2b.js', basic('admin:s3cret')))).status).toBe(200);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('never writes the key into log lines', async () => {
    server = await startServer({}, { key: 'tok3n' });
    const viewer = await RawClient.request(server.port, get('/stream?key=tok3n&fps=5'));
    await viewer.waitFor(hasHead);
    await waitUntil(() => server!.logs.length > 0, 'the connect line');
    expect(server.logs[0]).toMatch(/connected to \/stream\?key=…&fps=5 /);
    await fetchRaw(get('/stream?key=wrong-guess'));
    expect(server.logs.join('\n')).not.toMatch(/tok3n|wrong-guess/);
    viewer.close();
  });
});

describe('/snapshot.jpg', () => {
  it('answers 503 only when no frame ever came, after waiting', async () => {
    server = await startServer({}, { snapshotTimeoutMs: 100 });
    const response = await fetchRaw(get('/snapshot.jpg'));
    expect(response.status).toBe(503);
    expect(response.body.toString()).toMatch(/no frame yet/);
  });

  it('serves a fresh frame at once, with its timestamp', async () => {
    server = await startServer();
    const packet = frame(0x44, 1_700_000_000_250);
    server.hub.publish(packet);
    for (const path of ['/snapshot.jpg', '/snapshot', '/?action=snapshot']) {
      const response = await fetchRaw(get(path));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('image/jpeg');
      expect(response.headers['x-timestamp']).toBe('1700000000.250000');
      expect(Number(response.headers['content-length'])).toBe(packet.body.length);
      expect(response.body.equals(Buffer.from(packet.body))).toBe(true);
    }
  });

  it('waits for a frame newer than max_delay', async () => {
    server = await startServer();
    server.hub.publish(frame(0x45));
    await sleep(60);
    const client = await RawClient.request(server.port, get('/snapshot.jpg?max_delay=20'));
    await sleep(50);
    expect(client.bytes.length).toBe(0);
    server.hub.publish(frame(0x46));
    const response = splitResponse(await client.waitForEnd());
    expect(response.status).toBe(200);
    expect(response.body[60]).toBe(0x46);
  });

  it('stops waiting when the client goes away, so the hub goes idle again (#9)', async () => {
    const calls: string[] = [];
    server = await startServer(
      { onActive: () => calls.push('active'), onIdle: () => calls.push('idle') },
      { snapshotTimeoutMs: 10_000 },
    );
    const client = await RawClient.request(server.port, get('/snapshot.jpg'));
    await waitUntil(() => server!.hub.active, 'the snapshot wait to begin');
    expect(calls).toEqual(['active']);
    client.close();
    await waitUntil(() => !server!.hub.active, 'the hub to go idle');
    expect(calls).toEqual(['active', 'idle']);
  });

  it('serves the newest frame it has after the wait when none is fresh', async () => {
    server = await startServer({}, { snapshotTimeoutMs: 80 });
    server.hub.publish(frame(0x47));
    await sleep(30);
    const response = await fetchRaw(get('/snapshot.jpg?max_delay=0'));
    expect(response.status).toBe(200);
    expect(response.body[60]).toBe(0x47);
  });
});

describe('/state', () => {
  it('answers before the first frame, in the documented shape', async () => {
    server = await startServer({ sourceKind: 'synthetic' });
    const response = await fetchRaw(get('/state'));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const state = JSON.parse(response.body.toString());
    expect(Object.keys(state).sort()).toEqual([
      'bytesSent',
      'cameras',
      'fps',
      'resolution',
      'source',
      'uptimeSeconds',
      'viewers',
    ]);
    expect(Object.keys(state.cameras)).toEqual(['default']);
    expect(state.source).toEqual({ kind: 'synthetic', online: false });
    expect(state.resolution).toEqual({ width: 0, height: 0 });
    expect(state.viewers).toBe(0);
  });

  it('reports the resolution, viewers, bytes and the source error', async () => {
    server = await startServer({ sourceKind: 'serial' });
    const viewer = await RawClient.request(server.port, get('/stream'));
    await viewer.waitFor(hasHead);
    server.hub.setSourceState({ online: true });
    const now = Date.now();
    for (let i = 0; i < 5; i++)
      server.hub.publish({ type: 'image/jpeg', body: makeJpeg(1280, 720, i), timestamp: now + i });
    await viewer.waitFor(() => partsOf(viewer).length >= 1);
    server.hub.setSourceState({ online: false, error: 'port closed' });
    const state = JSON.parse((await fetchRaw(get('/state'))).body.toString());
    expect(state.resolution).toEqual({ width: 1280, height: 720 });
    expect(state.viewers).toBe(1);
    expect(state.bytesSent).toBeGreaterThan(0);
    expect(state.fps).toBeGreaterThan(0);
    expect(state.source).toEqual({ kind: 'serial', online: false, error: 'port closed' });
    expect(typeof state.uptimeSeconds).toBe('number');
    viewer.close();
  });
});

describe('/ and fallthrough', () => {
  it('serves the built-in page with <img src=stream> when there is no web build', async () => {
    server = await startServer();
    const response = await fetchRaw(get('/'));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body.toString()).toMatch(/<img id="stream" src="stream"/);
    expect(response.body.toString()).toMatch(/fetch\(withKey\('state'\)/);
  });

  it('serves files of webRoot and refuses paths outside it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mjpeg-web-'));
    try {
      mkdirSync(join(root, 'assets'));
      writeFileSync(join(root, 'index.html'), '<!doctype html><title>player</title>');
      writeFileSync(join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
      writeFileSync(join(tmpdir(), 'mjpeg-secret.txt'), 'TOP-SECRET-CONTENT');
      server = await startServer({}, { webRoot: root });
      const page = await fetchRaw(get('/'));
      expect(page.body.toString()).toBe('<!doctype html><title>player</title>');
      const asset = await fetchRaw(get('/assets/app-1a2b.js'));
      expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(asset.headers['cache-control']).toMatch(/immutable/);
      for (const path of [
        '/../mjpeg-secret.txt',
        '/%2e%2e/mjpeg-secret.txt',
        '/assets/../../mjpeg-secret.txt',
      ]) {
        const response = await fetchRaw(get(path));
        expect(response.status).toBe(404);
        expect(response.body.toString()).not.toContain('TOP-SECRET-CONTENT');
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('serves a web-root file larger than its first read whole, and HEAD without a body', async () => {
    const root = makeWebRoot();
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    writeFileSync(join(root, 'assets', 'big-1a2b.wasm'), big);
    try {
      server = await startServer({}, { webRoot: root });
      const response = await fetchRaw(get('/assets/big-1a2b.wasm'));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/wasm');
      expect(Number(response.headers['content-length'])).toBe(big.length);
      expect(response.body.equals(big)).toBe(true);
      const head = await fetchRaw(
        'HEAD /assets/big-1a2b.wasm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      expect(Number(head.headers['content-length'])).toBe(big.length);
      expect(head.body.length).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('sends the built-in page with Referrer-Policy: same-origin (#9)', async () => {
    server = await startServer();
    const response = await fetchRaw(get('/?key=anything'));
    expect(response.status).toBe(200);
    expect(response.headers['referrer-policy']).toBe('same-origin');
  });

  it('serves webRoot files before handing other paths to next(), as Express middleware (#9)', async () => {
    const root = makeWebRoot();
    const hub = new MjpegHub({ boundary: 'testboundary' });
    const handler = createMjpegHandler(hub, { webRoot: root });
    const { http, port } = await serveWithNext(handler);
    const fetchFrom = async (path: string) =>
      splitResponse(await (await RawClient.request(port, get(path))).waitForEnd());
    try {
      expect((await fetchFrom('/')).body.toString()).toBe(PAGE_HTML);
      const asset = await fetchFrom('/assets/app-1a2b.js');
      expect(asset.body.toString()).toBe('console.log(1)');
      expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect((await fetchFrom('/favicon.ico')).headers['content-type']).toBe('image/x-icon');
      expect((await fetchFrom('/api/other')).body.toString()).toBe('from the next handler');
      expect((await fetchFrom('/assets/missing.js')).body.toString()).toBe('from the next handler');
    } finally {
      await hub.close();
      http.closeAllConnections();
      http.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('calls next() for unknown paths, as Express middleware', async () => {
    const hub = new MjpegHub({ boundary: 'testboundary' });
    const handler = createMjpegHandler(hub);
    const { http, port } = await serveWithNext(handler);
    try {
      const other = splitResponse(await (await RawClient.request(port, get('/api/other'))).waitForEnd());
      expect(other.body.toString()).toBe('from the next handler');
      const state = splitResponse(await (await RawClient.request(port, get('/state'))).waitForEnd());
      expect(JSON.parse(state.body.toString()).viewers).toBe(0);
    } finally {
      await hub.close();
      http.closeAllConnections();
      http.close();
    }
  });
});

/**
 * Serves `handler` on 127.0.0.1 (port 0) as Express middleware, with a `next()` that answers
 * 200 `from the next handler`, so a test can tell the paths it passed on.
 */
async function serveWithNext(
  handler: ReturnType<typeof createMjpegHandler>,
): Promise<{ http: Server; port: number }> {
  const http = createServer((req, res) =>
    handler(req, res, () => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 21 });
      res.end('from the next handler');
    }),
  );
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { http, port: (http.address() as AddressInfo).port };
}

describe('CORS', () => {
  it('answers an OPTIONS preflight with 204 and the allowed methods', async () => {
    server = await startServer({}, { allowOrigin: 'https://player.example' });
    const response = await fetchRaw(
      'OPTIONS /stream HTTP/1.1\r\nHost: x\r\nOrigin: https://player.example\r\nConnection: close\r\n\r\n',
    );
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://player.example');
    expect(response.headers['access-control-allow-methods']).toBe('GET, HEAD, POST');
    expect(response.headers.vary).toBe('Origin');
  });

  it('sends no CORS headers unless an origin is configured', async () => {
    server = await startServer();
    const response = await fetchRaw(get('/state'));
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('logging', () => {
  it('ten handlers on one hub add no hub listener, warn nothing, and each logs its own viewers (#9)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const hub = new MjpegHub({ boundary: 'testboundary', closeTimeoutMs: 200 });
    const logs = Array.from({ length: 10 }, () => [] as string[]);
    const handlers = logs.map((lines) => createMjpegHandler(hub, { log: (line) => lines.push(line) }));
    const http = createServer(handlers[7]!);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      for (const event of ['viewer', 'active', 'idle', 'audio']) expect(hub.listenerCount(event)).toBe(0);
      const viewer = await RawClient.request((http.address() as AddressInfo).port, get('/stream'));
      await viewer.waitFor(hasHead);
      await waitUntil(() => logs[7]!.length >= 1, 'the connect line');
      viewer.close();
      await waitUntil(() => logs[7]!.length >= 2, 'the leave line');
      expect(logs[7]![0]).toMatch(/^viewer 127\.0\.0\.1:\d+ connected to \/stream \(1 watching\)$/);
      expect(logs[7]![1]).toMatch(/left \/stream: done after/);
      expect(logs.filter((_, i) => i !== 7).flat()).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await hub.close();
      http.closeAllConnections();
      http.close();
    }
  });
});

describe('formatViewerEvent', () => {
  it('names the viewer, the path, the reason and what it got', () => {
    const base = { remote: '127.0.0.1:5000', path: '/stream', viewers: 2 } as const;
    expect(formatViewerEvent({ ...base, event: 'connect', kind: 'stream' })).toBe(
      'viewer 127.0.0.1:5000 connected to /stream (2 watching)',
    );
    expect(
      formatViewerEvent({
        ...base,
        event: 'leave',
        kind: 'stream',
        reason: 'stalled',
        durationMs: 12_000,
        bytesSent: 3 * 1048576,
        framesSent: 340,
        framesSkipped: 12,
        audioSent: 0,
      }),
    ).toBe(
      'viewer 127.0.0.1:5000 left /stream: stalled after 12.0 s, 340 frames (12 skipped), 3.0 MiB (2 watching)',
    );
    expect(
      formatViewerEvent({
        ...base,
        path: '/audio.wav',
        event: 'leave',
        kind: 'wav',
        reason: 'done',
        audioSent: 50,
      }),
    ).toMatch(/left \/audio\.wav: done after 0\.0 s, 50 audio packets, 0\.0 MiB/);
  });
});
