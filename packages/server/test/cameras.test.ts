import { afterEach, describe, expect, it } from 'vitest';
import {
  CAMERA_NAME_PATTERN,
  CameraRegistry,
  createMjpegHandler,
  MjpegHub,
  ServerError,
} from '../src/index.js';
import { type CameraServer, fillOf, startCameraServer } from './camera-server.js';
import { audio, decodeChunked, get, hasHead, partsOf, RawClient, sleep } from './helpers.js';

const FRONT = 0xa1;
const DESK = 0xb2;
const YARD = 0xc3;
const NAMES = ['front', 'desk', 'yard'];
const FILL: Record<string, number> = { front: FRONT, desk: DESK, yard: YARD };

let server: CameraServer | undefined;
let ticker: ReturnType<typeof setInterval> | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  clearInterval(ticker);
  ticker = undefined;
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

async function threeCameras(options = {}): Promise<CameraServer> {
  server = await startCameraServer(
    [
      { name: 'front', fill: FRONT, audio: true },
      { name: 'desk', fill: DESK },
      { name: 'yard', fill: YARD, audio: true },
    ],
    options,
  );
  const live = server;
  live.publishAll();
  ticker = setInterval(() => live.publishAll(), 20);
  return live;
}

async function open(request: string): Promise<RawClient> {
  const client = await RawClient.request(server!.port, request);
  clients.push(client);
  await client.waitFor(hasHead, 5000, 'the response head');
  return client;
}

function hubStub(): MjpegHub {
  return new MjpegHub({ closeTimeoutMs: 0 });
}

describe('CameraRegistry', () => {
  it('keeps cameras in the order added: get, at, default, names, size, iteration', async () => {
    const hubs = [hubStub(), hubStub(), hubStub()];
    const registry = new CameraRegistry(
      NAMES.map((name, i) => ({ name, hub: hubs[i]!, runs: [], audio: i === 0 })),
    );
    expect(registry.size).toBe(3);
    expect(registry.names()).toEqual(NAMES);
    expect(registry.default.name).toBe('front');
    expect(registry.get('desk')?.hub).toBe(hubs[1]);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.at(2)?.name).toBe('yard');
    expect(registry.at(3)).toBeUndefined();
    expect(registry.at(-1)).toBeUndefined();
    expect(registry.at(0.5)).toBeUndefined();
    expect([...registry].map((camera) => camera.name)).toEqual(NAMES);
    await registry.close();
    expect(hubs.every((hub) => hub.closed)).toBe(true);
  });

  it.each(['', 'Front', '-front', '_a', 'a b', 'a/b', 'é', 'a'.repeat(33), 7 as unknown as string])(
    'refuses the camera name %j with INVALID_CAMERA',
    (name) => {
      const registry = new CameraRegistry();
      let caught: unknown;
      try {
        registry.add({ name, hub: hubStub(), runs: [], audio: false });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ServerError);
      expect((caught as ServerError).code).toBe('INVALID_CAMERA');
      expect(registry.size).toBe(0);
    },
  );

  it.each(['a', '0', 'front-door_2', 'a'.repeat(32)])('accepts the camera name %j', (name) => {
    expect(CAMERA_NAME_PATTERN.test(name)).toBe(true);
    const registry = new CameraRegistry();
    expect(registry.add({ name, hub: hubStub(), runs: [], audio: false }).name).toBe(name);
  });

  it('refuses a duplicate name and keeps the first camera', () => {
    const first = hubStub();
    const registry = new CameraRegistry([{ name: 'desk', hub: first, runs: [], audio: false }]);
    expect(() => registry.add({ name: 'desk', hub: hubStub(), runs: [], audio: false })).toThrow(
      expect.objectContaining({ code: 'INVALID_CAMERA', message: expect.stringContaining('taken') }),
    );
    expect(registry.get('desk')?.hub).toBe(first);
  });

  it('an empty registry has no default camera, and no handler can serve it', () => {
    const registry = new CameraRegistry();
    expect(() => registry.default).toThrow(expect.objectContaining({ code: 'INVALID_CAMERA' }));
    expect(() => createMjpegHandler(registry)).toThrow(expect.objectContaining({ code: 'INVALID_CAMERA' }));
  });
});

describe('every URL form reaches its camera (three hubs, one registry)', () => {
  it.each<[string, string]>([
    ['/stream', 'front'],
    ['/video.mjpg', 'front'],
    ['/?action=stream', 'front'],
    ['/cams/front/stream', 'front'],
    ['/cams/desk/stream', 'desk'],
    ['/cams/yard/stream', 'yard'],
    ['/?action=stream_0', 'front'],
    ['/?action=stream_1', 'desk'],
    ['/?action=stream_2', 'yard'],
    ['/webcam/?action=stream', 'front'],
    ['/webcam2/?action=stream', 'desk'],
    ['/webcam3/?action=stream', 'yard'],
    ['/api/stream.mjpeg?src=desk', 'desk'],
    ['/api/stream.mjpeg?src=yard', 'yard'],
    ['/av', 'front'],
    ['/cams/yard/av', 'yard'],
  ])('stream %s shows %s', async (path, name) => {
    await threeCameras();
    const client = await open(get(path));
    await client.waitFor(() => partsOf(client).length >= 2, 5000, 'two parts');
    const video = partsOf(client).filter((part) => part.headers['content-type'] === 'image/jpeg');
    expect(video.length).toBeGreaterThanOrEqual(1);
    for (const part of video) expect(fillOf(part.body)).toBe(FILL[name]);
  });

  it.each<[string, string]>([
    ['/snapshot.jpg', 'front'],
    ['/?action=snapshot', 'front'],
    ['/cams/desk/snapshot.jpg', 'desk'],
    ['/?action=snapshot_1', 'desk'],
    ['/?action=snapshot_2', 'yard'],
    ['/webcam/?action=snapshot', 'front'],
    ['/webcam3/?action=snapshot', 'yard'],
    ['/api/frame.jpeg?src=desk', 'desk'],
    ['/api/frame.jpeg?src=front', 'front'],
  ])('snapshot %s is a frame of %s', async (path, name) => {
    const live = await threeCameras();
    const response = await live.fetch(get(path));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(fillOf(response.body)).toBe(FILL[name]);
  });

  it.each([
    ['/cams/nope/stream', 'no camera "nope"'],
    ['/cams/nope/snapshot.jpg', 'no camera "nope"'],
    ['/cams/nope/state', 'no camera "nope"'],
    ['/cams/Front/av', 'no camera "Front"'],
    ['/?action=stream_3', 'no camera number 3'],
    ['/?action=snapshot_9', 'no camera number 9'],
    ['/webcam4/?action=stream', 'no camera number 3'],
    ['/api/frame.jpeg?src=nope', 'no camera "nope"'],
    ['/api/stream.mjpeg', '?src=NAME'],
  ])('%s is 404 JSON naming the known cameras', async (path, error) => {
    const live = await threeCameras();
    const response = await live.fetch(get(path));
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    const body = JSON.parse(response.body.toString());
    expect(body.cameras).toEqual(NAMES);
    expect(body.error).toContain(error);
  });

  it('/state keeps the default camera keys and adds cameras with every camera state', async () => {
    const live = await threeCameras();
    live.hubs.desk!.setSourceState({ online: true });
    await live.fetch(get('/cams/desk/snapshot.jpg'));
    const state = JSON.parse((await live.fetch(get('/state'))).body.toString());
    expect(Object.keys(state).sort()).toEqual([
      'bytesSent',
      'cameras',
      'fps',
      'resolution',
      'source',
      'uptimeSeconds',
      'viewers',
    ]);
    expect(Object.keys(state.cameras)).toEqual(NAMES);
    expect(state.source.online).toBe(false);
    expect(state.cameras.desk.source.online).toBe(true);
    expect(state.cameras.front.resolution).toEqual({ width: 320, height: 240 });
    const desk = JSON.parse((await live.fetch(get('/cams/desk/state'))).body.toString());
    expect(Object.keys(desk).sort()).toEqual([
      'bytesSent',
      'fps',
      'resolution',
      'source',
      'uptimeSeconds',
      'viewers',
    ]);
    expect(desk.source.online).toBe(true);
  });

  it('/cams lists every camera in order with online, fps, resolution, viewers and audio', async () => {
    const live = await threeCameras();
    live.hubs.yard!.setSourceState({ online: true });
    const viewer = await open(get('/cams/yard/stream'));
    await viewer.waitFor(() => partsOf(viewer).length >= 1, 5000, 'a part');
    await sleep(100);
    const response = await live.fetch(get('/cams'));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const list = JSON.parse(response.body.toString());
    expect(list.map((camera: { name: string }) => camera.name)).toEqual(NAMES);
    expect(Object.keys(list[0]).sort()).toEqual(['audio', 'fps', 'name', 'online', 'resolution', 'viewers']);
    expect(list.map((camera: { audio: boolean }) => camera.audio)).toEqual([true, false, true]);
    expect(list.map((camera: { viewers: number }) => camera.viewers)).toEqual([0, 0, 1]);
    expect(list.map((camera: { online: boolean }) => camera.online)).toEqual([false, false, true]);
    expect(list[2].resolution).toEqual({ width: 320, height: 240 });
    expect(list[2].fps).toBeGreaterThan(0);
  });

  it('/audio.wav is per camera: a camera without audio is 404, one with audio plays its own samples', async () => {
    const live = await threeCameras({ audioTimeoutMs: 300 });
    const values: Record<string, number> = { front: 1111, yard: 3333 };
    const audioTicker = setInterval(() => {
      const now = Date.now();
      for (const [name, value] of Object.entries(values)) live.hubs[name]!.publish(audio(now, 8000, value));
    }, 20);
    try {
      expect((await live.fetch(get('/cams/desk/audio.wav'))).status).toBe(404);
      for (const [path, name] of [
        ['/audio.wav', 'front'],
        ['/cams/yard/audio.wav', 'yard'],
      ] as const) {
        const client = await open(get(path));
        const data = await client.waitFor(
          (bytes) => decodeChunked(bytes.subarray(bytes.indexOf('\r\n\r\n') + 4)).data.length >= 48,
          5000,
          'samples',
        );
        const pcm = decodeChunked(data.subarray(data.indexOf('\r\n\r\n') + 4)).data;
        expect(pcm.subarray(0, 4).toString('latin1')).toBe('RIFF');
        expect(pcm.readInt16LE(44)).toBe(values[name]);
      }
    } finally {
      clearInterval(audioTicker);
    }
  });
});

describe('access rules are the same on every URL form', () => {
  const protectedPaths = [
    '/cams',
    '/cams/desk/stream',
    '/cams/desk/snapshot.jpg',
    '/cams/desk/state',
    '/?action=snapshot_1',
    '/webcam2/?action=snapshot',
    '/api/frame.jpeg?src=desk',
    '/api/stream.mjpeg?src=desk',
    '/metrics',
    '/cams/nope/stream',
  ];

  it.each(protectedPaths)(
    '%s without the key is 401 (an unknown camera too: no list leaks)',
    async (path) => {
      const live = await threeCameras({ key: 'sesame' });
      const response = await live.fetch(get(path));
      expect(response.status).toBe(401);
      expect(response.body.toString()).not.toContain('desk');
    },
  );

  it.each([
    '/cams/desk/snapshot.jpg?key=sesame',
    '/?action=snapshot_1&key=sesame',
    '/webcam2/?action=snapshot&key=sesame',
    '/api/frame.jpeg?src=desk&key=sesame',
  ])('%s with the key is the desk frame', async (path) => {
    const live = await threeCameras({ key: 'sesame' });
    const response = await live.fetch(get(path));
    expect(response.status).toBe(200);
    expect(fillOf(response.body)).toBe(DESK);
  });

  it('Basic auth admits /cams/NAME/stream', async () => {
    await threeCameras({ auth: 'admin:secret' });
    const basic = `Authorization: Basic ${Buffer.from('admin:secret').toString('base64')}\r\n`;
    const client = await open(get('/cams/yard/stream', basic));
    await client.waitFor(() => partsOf(client).length >= 1, 5000, 'a part');
    expect(fillOf(partsOf(client)[0]!.body)).toBe(YARD);
  });

  it.each(['/cams/desk/snapshot.jpg', '/webcam2/?action=snapshot', '/api/frame.jpeg?src=desk'])(
    'HEAD %s answers the head with no body',
    async (path) => {
      const live = await threeCameras();
      const response = await live.fetch(`HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('image/jpeg');
      expect(response.body.length).toBe(0);
    },
  );

  it.each(['/cams/desk/stream', '/webcam2/?action=stream', '/api/stream.mjpeg?src=desk'])(
    'POST %s streams (old clients POST)',
    async (path) => {
      await threeCameras();
      const client = await open(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nab`,
      );
      await client.waitFor(() => partsOf(client).length >= 1, 5000, 'a part');
      expect(fillOf(partsOf(client)[0]!.body)).toBe(DESK);
    },
  );

  it.each(['/cams', '/cams/desk/state', '/metrics'])('POST %s is 405 with Allow: GET, HEAD', async (path) => {
    const live = await threeCameras();
    const response = await live.fetch(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    ['/cams/desk/stream', 'GET, HEAD, POST'],
    ['/api/frame.jpeg?src=desk', 'GET, HEAD, POST'],
    ['/cams', 'GET, HEAD'],
  ])('CORS preflight of %s is 204 allowing %s', async (path, methods) => {
    const live = await threeCameras({ allowOrigin: '*' });
    const response = await live.fetch(
      `OPTIONS ${path} HTTP/1.1\r\nHost: x\r\nOrigin: http://a.example\r\nConnection: close\r\n\r\n`,
    );
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-methods']).toBe(methods);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('a bare hub is one camera named default', () => {
  it('/cams lists it, /cams/default/stream serves it, and the audio option is its audio flag', async () => {
    const hub = new MjpegHub({ boundary: 'testboundary', closeTimeoutMs: 0, repeatStillMs: 0 });
    const { createServer } = await import('node:http');
    const http = createServer(createMjpegHandler(hub, { audio: false }));
    http.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    const port = (http.address() as { port: number }).port;
    try {
      const cams = await RawClient.request(port, get('/cams'));
      const body = (await cams.waitForEnd()).toString();
      expect(JSON.parse(body.slice(body.indexOf('\r\n\r\n') + 4))).toEqual([
        {
          name: 'default',
          online: false,
          fps: 0,
          resolution: { width: 0, height: 0 },
          viewers: 0,
          audio: false,
        },
      ]);
      const wav = await RawClient.request(port, get('/cams/default/audio.wav'));
      expect((await wav.waitForEnd()).toString()).toMatch(/^HTTP\/1\.1 404 /);
    } finally {
      await hub.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
