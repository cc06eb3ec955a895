import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Camera,
  CameraRegistry,
  createMjpegHandler,
  type MjpegHandlerOptions,
  MjpegHub,
  type SourceRun,
} from '../src/index.js';
import { frame, get, RawClient, splitResponse } from './helpers.js';

/** One camera of a test server: its name, the payload byte its frames carry, and its audio flag. */
export interface TestCamera {
  name: string;
  fill: number;
  audio?: boolean;
  runs?: (hub: MjpegHub) => SourceRun[];
}

/** A server of several cameras (each its own hub) on 127.0.0.1:port. */
export interface CameraServer {
  cameras: CameraRegistry;
  hubs: Record<string, MjpegHub>;
  server: Server;
  port: number;
  url: string;
  /** Publishes one frame to every camera, each with its own payload byte. */
  publishAll(): void;
  /** A whole response (`Connection: close`), split. */
  fetch(request: string): Promise<ReturnType<typeof splitResponse>>;
  close(): Promise<void>;
}

/** The payload byte of a frame made by `frame(fill)` (it sits past the JPEG headers). */
export const fillOf = (body: Uint8Array): number | undefined => body[60];

export async function startCameraServer(
  specs: readonly TestCamera[],
  options: MjpegHandlerOptions = {},
): Promise<CameraServer> {
  const cameras = new CameraRegistry();
  const hubs: Record<string, MjpegHub> = {};
  for (const spec of specs) {
    const hub = new MjpegHub({ boundary: 'testboundary', closeTimeoutMs: 300, repeatStillMs: 0 });
    hubs[spec.name] = hub;
    const camera: Camera = { name: spec.name, hub, runs: spec.runs?.(hub) ?? [], audio: spec.audio ?? false };
    cameras.add(camera);
  }
  const server = createServer(createMjpegHandler(cameras, options));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    cameras,
    hubs,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    publishAll() {
      for (const spec of specs) hubs[spec.name]!.publish(frame(spec.fill));
    },
    async fetch(request = get('/')) {
      const client = await RawClient.request(port, request);
      return splitResponse(await client.waitForEnd(5000));
    },
    async close() {
      await cameras.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
