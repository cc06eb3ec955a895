import type { MediaPacket } from '@mjpeg-kit/bytes';
import { sleep as sleepFor } from '@mjpeg-kit/bytes';
import { afterEach, describe, expect, it } from 'vitest';
import { type MjpegHub, runSource, type SourceLifecycle } from '../src/index.js';
import { type CameraServer, fillOf, startCameraServer } from './camera-server.js';
import { frame, get, hasHead, partsOf, RawClient, sleep } from './helpers.js';

const FRONT = 0xa1;
const DESK = 0xb2;
const YARD = 0xc3;
const YARD_INTERVAL_MS = 40; // 25 fps

let server: CameraServer | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

/** A source that fails at once, every time it is opened. */
async function* failing(): AsyncIterable<MediaPacket> {
  yield* [];
  throw new Error('camera unplugged');
}

/** One frame, then nothing until the run is stopped: a camera that froze. */
async function* frozen({ signal }: SourceLifecycle): AsyncIterable<MediaPacket> {
  yield frame(DESK);
  await sleepFor(60_000, signal);
}

/** A frame every `YARD_INTERVAL_MS`, on a schedule that does not drift. */
async function* steady({ signal }: SourceLifecycle): AsyncIterable<MediaPacket> {
  const start = Date.now();
  for (let i = 0; !signal.aborted; i++) {
    yield frame(YARD);
    await sleepFor(Math.max(0, start + (i + 1) * YARD_INTERVAL_MS - Date.now()), signal);
  }
}

const runOf =
  (open: (lifecycle: SourceLifecycle) => AsyncIterable<MediaPacket>, name: string) => (hub: MjpegHub) => [
    runSource(hub, open, { name, minDelayMs: 50, maxDelayMs: 100 }),
  ];

async function open(request: string): Promise<RawClient> {
  const client = await RawClient.request(server!.port, request);
  clients.push(client);
  await client.waitFor(hasHead, 5000, 'the response head');
  return client;
}

describe('cameras are independent', () => {
  it('a viewer of one camera keeps its rate while another camera fails and a third is frozen (#11)', async () => {
    server = await startCameraServer([
      { name: 'front', fill: FRONT, runs: runOf(failing, 'front: video source') },
      { name: 'desk', fill: DESK, runs: runOf(frozen, 'desk: video source') },
      { name: 'yard', fill: YARD, runs: runOf(steady, 'yard: video source') },
    ]);
    const front = await open(get('/cams/front/stream'));
    const desk = await open(get('/cams/desk/stream'));
    const yard = await open(get('/cams/yard/stream'));
    await yard.waitFor(() => partsOf(yard).length >= 3, 5000, 'yard warming up');

    const windowMs = 1500;
    const before = partsOf(yard).length;
    await sleep(windowMs);
    const received = partsOf(yard).length - before;
    const perSecond = (received * 1000) / windowMs;

    // 25 fps published; a timer-driven source on a loaded machine may lose a few.
    expect(perSecond).toBeGreaterThanOrEqual(20);
    expect(perSecond).toBeLessThanOrEqual(27);
    expect(partsOf(yard).every((part) => fillOf(part.body) === YARD)).toBe(true);
    expect(partsOf(front)).toHaveLength(0);
    expect(partsOf(desk).map((part) => fillOf(part.body))).toEqual([DESK]);

    const [frontRun] = server.cameras.get('front')!.runs;
    expect(frontRun!.health.restarts).toBeGreaterThanOrEqual(3);
    expect(frontRun!.health.online).toBe(false);
    const state = JSON.parse((await server.fetch(get('/state'))).body.toString());
    expect(state.cameras.front.source.online).toBe(false);
    expect(state.cameras.front.source.error).toContain('camera unplugged');
    expect(state.cameras.yard.source.online).toBe(true);
  });

  it('closing one hub ends its viewers only; the other cameras keep streaming', async () => {
    server = await startCameraServer([
      { name: 'front', fill: FRONT, runs: runOf(steady, 'front: video source') },
      { name: 'yard', fill: YARD, runs: runOf(steady, 'yard: video source') },
    ]);
    const front = await open(get('/cams/front/stream'));
    const yard = await open(get('/cams/yard/stream'));
    await yard.waitFor(() => partsOf(yard).length >= 2, 5000, 'yard parts');
    await server.hubs.front!.close();
    await front.waitForEnd(3000);
    const count = partsOf(yard).length;
    await yard.waitFor(() => partsOf(yard).length >= count + 5, 3000, 'yard still streaming');
    expect(yard.ended).toBe(false);
  });
});
