// An in-process server with several named cameras, each its own hub fed by the synthetic
// camera (and, when asked, the synthetic audio), serving the built page from apps/web/dist.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { CameraRegistry, createMjpegHandler, MjpegHub, runSource } from '@mjpeg-kit/server';
import { syntheticAudioSource, syntheticCameraSource } from '@mjpeg-kit/sources';
import { WEB_DIST_INDEX } from './harness.js';

/** One camera of a test server. */
export interface TestCamera {
  name: string;
  /** Feed it the synthetic beep too (its `/cams/NAME/av` carries sound). */
  audio?: boolean;
}

/** A running multi-camera server started by a test. */
export interface RunningCameraServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the cameras and an HTTP/1.1 server for them on 127.0.0.1 (port 0), admitting `key` when
 * given. `/ws` upgrades are served only with `websocket` (without, the page meets a server that
 * answers none, and its grid plays HTTP streams).
 */
export async function startCameraServer(
  cameras: readonly TestCamera[],
  {
    width = 320,
    height = 240,
    fps = 10,
    key,
    websocket = false,
  }: { width?: number; height?: number; fps?: number; key?: string; websocket?: boolean } = {},
): Promise<RunningCameraServer> {
  const registry = new CameraRegistry();
  for (const { name, audio = false } of cameras) {
    const hub = new MjpegHub({ sourceKind: 'synthetic' });
    const runs = [runSource(hub, (lifecycle) => syntheticCameraSource({ ...lifecycle, width, height, fps }))];
    if (audio)
      runs.push(runSource(hub, (lifecycle) => syntheticAudioSource(lifecycle), { reportState: false }));
    registry.add({ name, hub, runs, audio });
  }
  const handler = createMjpegHandler(registry, { webRoot: dirname(WEB_DIST_INDEX), key });
  const server: Server = createServer(handler);
  if (websocket) {
    server.on('upgrade', (req, socket, head) => {
      if (!handler.upgrade(req, socket, head)) socket.destroy();
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      await registry.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
