/**
 * The many-camera server under test, in its own process (pinned to core 0 by cameras.ts): one
 * `CameraRegistry` of `cameras` hubs (`cam0`, `cam1`, …), each fed by its own publisher of
 * pre-encoded, stamped frames at `fps`, like a file source each. A camera's frames are its own
 * buffers (no camera ever shares one with another) and start at a different template, so no two
 * cameras send the same bytes at the same moment.
 *
 * Usage: node --import tsx cameras-server.ts '<json options>'; prints `READY <port>` on stdout.
 */
import { createServer } from 'node:http';
import { loadFrames, nowMs, stampFrame } from './frames.js';

export interface CamerasServerOptions {
  cameras: number;
  width: number;
  height: number;
  fps: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as CamerasServerOptions;
const frames = loadFrames(options.width, options.height);
const { CameraRegistry, MjpegHub, createMjpegHandler } = await import('../src/index.js');

const registry = new CameraRegistry();
for (let index = 0; index < options.cameras; index++) {
  const hub = new MjpegHub({ maxViewers: 100_000 });
  registry.add({ name: `cam${index}`, hub, runs: [], audio: false });
  // Publishers start spread over one frame interval, as independent cameras would.
  const interval = 1000 / options.fps;
  const offset = (index * interval) / options.cameras;
  setTimeout(() => {
    const start = nowMs();
    let seq = 0;
    const tick = (): void => {
      const template = frames.templates[(index + seq) % frames.templates.length]!;
      const timestamp = nowMs();
      hub.publish({ type: 'image/jpeg', body: stampFrame(template, timestamp, seq), timestamp, seq });
      seq++;
      setTimeout(tick, Math.max(0, start + seq * interval - nowMs()));
    };
    tick();
  }, offset);
}

const handler = createMjpegHandler(registry, { log: () => {} });
const server = createServer((req, res) => handler(req, res));
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`READY ${address.port}\n`);
});
