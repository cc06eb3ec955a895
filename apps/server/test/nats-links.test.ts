import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CameraLinkState,
  CameraRegistry,
  createMjpegHandler,
  MjpegHub,
  ServerError,
} from '@mjpeg-kit/server';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchAll } from './cli-harness.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(cameras: CameraRegistry): Promise<string> {
  const server = createServer(createMjpegHandler(cameras));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('camera links in /state and /metrics', () => {
  it('shows each link of a camera, read at request time', async () => {
    const edge: CameraLinkState = {
      kind: 'nats-source',
      connected: true,
      server: '127.0.0.1:4222',
      reconnects: 2,
      framesDropped: 3,
      piecesLost: 5,
      originOnline: false,
    };
    const links = [{ state: edge }];
    const cameras = new CameraRegistry([
      { name: 'front', hub: new MjpegHub(), runs: [], audio: false, links },
      { name: 'desk', hub: new MjpegHub(), runs: [], audio: false },
    ]);
    const url = await serve(cameras);
    const state = JSON.parse((await fetchAll(`${url}state`)).body.toString());
    expect(state.links).toEqual([edge]);
    expect(state.cameras.front.links).toEqual([edge]);
    expect(state.cameras.desk).not.toHaveProperty('links');
    expect(JSON.parse((await fetchAll(`${url}cams/front/state`)).body.toString()).links).toEqual([edge]);

    edge.originOnline = true;
    edge.reconnects = 4;
    const metrics = (await fetchAll(`${url}metrics`)).body.toString();
    expect(metrics).toContain('mjpeg_kit_link_connected{camera="front",link="nats-source"} 1');
    expect(metrics).toContain('mjpeg_kit_link_origin_up{camera="front",link="nats-source"} 1');
    expect(metrics).toContain('mjpeg_kit_link_reconnects_total{camera="front",link="nats-source"} 4');
    expect(metrics).toContain('mjpeg_kit_link_frames_dropped_total{camera="front",link="nats-source"} 3');
    expect(metrics).toContain('mjpeg_kit_link_pieces_lost_total{camera="front",link="nats-source"} 5');
    expect(metrics).not.toContain('camera="desk",link=');
    await cameras.close();
  });

  it('refuses links that are not an array', () => {
    const registry = new CameraRegistry();
    expect(() =>
      registry.add({ name: 'front', hub: new MjpegHub(), runs: [], audio: false, links: {} as never }),
    ).toThrow(ServerError);
  });
});
