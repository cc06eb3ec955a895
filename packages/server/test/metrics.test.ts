import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import type { SourceRun } from '../src/index.js';
import { type CameraServer, startCameraServer } from './camera-server.js';
import { frame, get, hasHead, partsOf, RawClient, sleep } from './helpers.js';

let servers: CameraServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

/** A run that has restarted `restarts` times (what `runSource` reports). */
function runWith(restarts: number): SourceRun {
  return {
    running: true,
    health: { state: 'online', online: true, restarts, packets: 0 },
    stop: async () => {},
  };
}

async function twoCameras(options = {}): Promise<CameraServer> {
  const server = await startCameraServer(
    [
      { name: 'front', fill: 0xa1, runs: () => [runWith(2), runWith(1)] },
      { name: 'desk', fill: 0xb2 },
    ],
    options,
  );
  servers.push(server);
  return server;
}

async function open(server: CameraServer, path: string): Promise<RawClient> {
  const client = await RawClient.request(server.port, get(path));
  clients.push(client);
  await client.waitFor(hasHead, 5000, 'the response head');
  return client;
}

/** The samples of a text exposition: `name{labels}` → value (labels as written, in order). */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match === null) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

async function scrape(server: CameraServer, path = '/metrics', extra = '') {
  const response = await server.fetch(get(path, extra));
  return { ...response, samples: parseExposition(response.body.toString()) };
}

describe('/metrics', () => {
  it('exposes per-camera counters, viewers by transport, source up, restarts and frame age', async () => {
    const server = await twoCameras();
    server.hubs.front!.setSourceState({ online: true });
    const stream = await open(server, '/cams/front/stream');
    const av = await open(server, '/cams/front/av');
    for (let i = 0; i < 3; i++) {
      server.hubs.front!.publish(frame(0xa1));
      await sleep(10);
    }
    await stream.waitFor(() => partsOf(stream).length >= 3, 5000, 'three parts');
    await av.waitFor(() => partsOf(av).length >= 1, 5000, 'a part');
    // prom-client counts CPU from the registry's creation, in the kernel's ticks: spend a few so
    // the process counter below cannot read 0 on a fast run (bounded by a 2 s deadline).
    const cpuFrom = process.cpuUsage();
    for (
      const deadline = Date.now() + 2000;
      process.cpuUsage(cpuFrom).user < 30_000 && Date.now() < deadline;
    );

    const { status, headers, samples } = await scrape(server);
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(samples.get('mjpeg_kit_frames_in_total{camera="front"}')).toBe(3);
    expect(samples.get('mjpeg_kit_frames_in_total{camera="desk"}')).toBe(0);
    expect(samples.get('mjpeg_kit_frames_sent_total{camera="front"}')).toBe(
      server.hubs.front!.stats.framesSent,
    );
    expect(samples.get('mjpeg_kit_frames_sent_total{camera="front"}')).toBeGreaterThanOrEqual(4);
    expect(samples.get('mjpeg_kit_frames_skipped_total{camera="front"}')).toBe(
      server.hubs.front!.stats.framesSkipped,
    );
    expect(samples.get('mjpeg_kit_bytes_sent_total{camera="front"}')).toBeGreaterThan(3 * 100);
    expect(samples.get('mjpeg_kit_bytes_sent_total{camera="desk"}')).toBe(0);
    expect(samples.get('mjpeg_kit_viewers{camera="front",transport="stream"}')).toBe(1);
    expect(samples.get('mjpeg_kit_viewers{camera="front",transport="av"}')).toBe(1);
    expect(samples.get('mjpeg_kit_viewers{camera="front",transport="wav"}')).toBe(0);
    expect(samples.get('mjpeg_kit_viewers{camera="desk",transport="stream"}')).toBe(0);
    expect(samples.get('mjpeg_kit_source_up{camera="front"}')).toBe(1);
    expect(samples.get('mjpeg_kit_source_up{camera="desk"}')).toBe(0);
    expect(samples.get('mjpeg_kit_source_restarts_total{camera="front"}')).toBe(3);
    expect(samples.get('mjpeg_kit_source_restarts_total{camera="desk"}')).toBe(0);
    const age = samples.get('mjpeg_kit_last_frame_age_seconds{camera="front"}')!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(2);
    expect(samples.has('mjpeg_kit_last_frame_age_seconds{camera="desk"}')).toBe(false);
    // The process's own, from prom-client's default metrics on this server's registry.
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(1 << 20);
    expect(samples.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counters increase between two scrapes', async () => {
    const server = await twoCameras();
    const stream = await open(server, '/cams/desk/stream');
    server.hubs.desk!.publish(frame(0xb2));
    await stream.waitFor(() => partsOf(stream).length >= 1, 5000, 'a part');
    const first = (await scrape(server)).samples;
    for (let i = 0; i < 5; i++) {
      server.hubs.desk!.publish(frame(0xb2));
      await sleep(10);
    }
    await stream.waitFor(() => partsOf(stream).length >= 6, 5000, 'six parts');
    const second = (await scrape(server)).samples;
    for (const name of ['frames_in_total', 'frames_sent_total', 'bytes_sent_total']) {
      const key = `mjpeg_kit_${name}{camera="desk"}`;
      expect(second.get(key)!, key).toBeGreaterThan(first.get(key)!);
    }
    expect(second.get('mjpeg_kit_frames_in_total{camera="desk"}')).toBe(6);
    expect(second.get('mjpeg_kit_frames_in_total{camera="front"}')).toBe(0);
  });

  it('two servers in one process each expose their own cameras', async () => {
    const one = await twoCameras();
    const other = await startCameraServer([{ name: 'yard', fill: 0xc3 }]);
    servers.push(other);
    other.hubs.yard!.publish(frame(0xc3));
    const a = (await scrape(one)).samples;
    const b = (await scrape(other)).samples;
    expect(a.has('mjpeg_kit_frames_in_total{camera="yard"}')).toBe(false);
    expect(a.has('mjpeg_kit_frames_in_total{camera="front"}')).toBe(true);
    expect(b.get('mjpeg_kit_frames_in_total{camera="yard"}')).toBe(1);
    expect(b.has('mjpeg_kit_frames_in_total{camera="front"}')).toBe(false);
  });

  it('follows the access rules: with a key, /metrics needs it', async () => {
    const server = await twoCameras({ key: 'sesame' });
    expect((await server.fetch(get('/metrics'))).status).toBe(401);
    expect((await server.fetch(get('/metrics?key=wrong'))).status).toBe(401);
    expect((await scrape(server, '/metrics?key=sesame')).samples.size).toBeGreaterThan(10);
  });

  it('metricsKey admits a scraper by ?key= or Bearer, and does not leave /metrics open on a server without auth', async () => {
    const server = await twoCameras({ metricsKey: 'scrape-token' });
    const refused = await server.fetch(get('/metrics'));
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="mjpeg-kit"');
    expect((await server.fetch(get('/metrics', 'Authorization: Bearer wrong\r\n'))).status).toBe(401);
    expect((await server.fetch(get('/metrics?key=scrape-token'))).status).toBe(200);
    const bearer = await scrape(server, '/metrics', 'Authorization: Bearer scrape-token\r\n');
    expect(bearer.status).toBe(200);
    expect(bearer.samples.has('mjpeg_kit_frames_in_total{camera="front"}')).toBe(true);
    // The metrics key opens /metrics only; the cameras stay as they are (open here).
    expect((await server.fetch(get('/cams'))).status).toBe(200);
    expect((await server.fetch(get('/cams?key=scrape-token'))).status).toBe(200);
  });

  it('metricsKey beside the server key: either admits /metrics, the metrics key admits nothing else', async () => {
    const server = await twoCameras({ key: 'sesame', metricsKey: 'scrape-token' });
    expect((await server.fetch(get('/metrics?key=sesame'))).status).toBe(200);
    expect((await server.fetch(get('/metrics', 'Authorization: Bearer scrape-token\r\n'))).status).toBe(200);
    expect((await server.fetch(get('/metrics'))).status).toBe(401);
    expect((await server.fetch(get('/cams?key=scrape-token'))).status).toBe(401);
    expect((await server.fetch(get('/cams/front/snapshot.jpg?key=scrape-token'))).status).toBe(401);
  });

  it('refuses an empty metricsKey', async () => {
    await expect(twoCameras({ metricsKey: '' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      option: 'metricsKey',
    });
  });
});

function promtool(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(text);
  });
}

describeWithTool('promtool', '/metrics under the real Prometheus tools', () => {
  it('promtool check metrics passes on a live scrape of two cameras with viewers', async () => {
    const server = await twoCameras();
    const stream = await open(server, '/cams/front/stream');
    server.hubs.front!.publish(frame(0xa1));
    await stream.waitFor(() => partsOf(stream).length >= 1, 5000, 'a part');
    const { body } = await server.fetch(get('/metrics'));
    const result = await promtool(body.toString());
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});
