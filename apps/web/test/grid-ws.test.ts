/**
 * The camera grid over the server's /ws: sixteen cameras drawn through one TCP connection (the
 * server counts which sockets carried camera data), off-screen tiles unsubscribing, and behind a
 * proxy that refuses WebSocket upgrades, the grid's fallback to HTTP streams.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { CameraRegistry, createMjpegHandler, MjpegHub, runSource } from '@mjpeg-kit/server';
import { syntheticCameraSource } from '@mjpeg-kit/sources';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { requirements } from '../../../test-support/tools.js';
import { readTiles, type TileView } from './helpers/grid-page.js';
import { WEB_DIST_INDEX, waitFor } from './helpers/harness.js';

const needs = requirements({ chromium: CHROMIUM_PATH, 'built web app': WEB_DIST_INDEX });
const CAMERAS = Array.from({ length: 16 }, (_, index) => `cam${String(index + 1).padStart(2, '0')}`);
const MEASURE_MS = 10_000;

/** The server, with the sockets that carried camera data (a /ws upgrade or a /cams/NAME/… request). */
interface CountingServer {
  url: string;
  hubs: MjpegHub[];
  /** Sockets that carried camera data, and whether each was upgraded to /ws. */
  dataSockets: Map<Socket, { upgraded: boolean; paths: Set<string> }>;
  stop(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function startCountingServer(): Promise<CountingServer> {
  const registry = new CameraRegistry();
  const hubs: MjpegHub[] = [];
  for (const name of CAMERAS) {
    const hub = new MjpegHub({ sourceKind: 'synthetic' });
    hubs.push(hub);
    const runs = [
      runSource(hub, (lifecycle) =>
        syntheticCameraSource({ ...lifecycle, width: 320, height: 240, fps: 10 }),
      ),
    ];
    registry.add({ name, hub, runs, audio: false });
  }
  const handler = createMjpegHandler(registry, { webRoot: dirname(WEB_DIST_INDEX) });
  const server = createServer(handler);
  const dataSockets = new Map<Socket, { upgraded: boolean; paths: Set<string> }>();
  const mark = (socket: Socket, path: string, upgraded: boolean) => {
    const entry = dataSockets.get(socket) ?? { upgraded: false, paths: new Set<string>() };
    entry.upgraded ||= upgraded;
    entry.paths.add(path);
    dataSockets.set(socket, entry);
  };
  server.on('request', (req) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/cams/')) mark(req.socket as Socket, path, false);
  });
  server.on('upgrade', (req, socket, head) => {
    mark(socket as Socket, new URL(req.url ?? '/', 'http://x').pathname, true);
    if (!handler.upgrade(req, socket, head)) socket.destroy();
  });
  const url = await listen(server);
  return {
    url,
    hubs,
    dataSockets,
    async stop() {
      await registry.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTP proxy that passes requests through and refuses every WebSocket upgrade with 403. */
async function startRefusingProxy(
  upstream: string,
): Promise<{ url: string; refused: () => number; stop(): Promise<void> }> {
  const target = new URL(upstream);
  let refused = 0;
  const server = createServer((req, res) => {
    const forwarded = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    res.on('close', () => forwarded.destroy());
    req.pipe(forwarded);
  });
  server.on('upgrade', (_req, socket) => {
    refused++;
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  const url = await listen(server);
  return {
    url,
    refused: () => refused,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function wsSubscriptions(hubs: readonly MjpegHub[]): number {
  return hubs.reduce((sum, hub) => sum + hub.viewerCountsByKind().ws, 0);
}

function liveTiles(page: Page, count: number, timeoutMs = 30_000): Promise<TileView[]> {
  return waitFor(
    `${count} live tiles with a picture`,
    async () => {
      const tiles = await readTiles(page);
      return tiles.length === count && tiles.every((tile) => tile.lit && tile.stream === 'live')
        ? tiles
        : null;
    },
    timeoutMs,
    250,
  );
}

/** Logs the drawn fps per live tile and the page's main-thread time (CDP TaskDuration) over MEASURE_MS. */
async function measureGrid(page: Page, label: string) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((metric) => metric.name === 'TaskDuration')?.value ?? 0;
  };
  const drawnBefore = await page.evaluate(() =>
    window.mjpegGrid!.tileStats().map((tile) => tile.framesDrawn),
  );
  const taskBefore = await taskSeconds();
  const startedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const taskAfter = await taskSeconds();
  const elapsedS = (Date.now() - startedAt) / 1000;
  const stats = await page.evaluate(() => window.mjpegGrid!.tileStats());
  await cdp.detach();
  const live = stats.flatMap((tile, index) => (tile.transport === undefined ? [] : [index]));
  const fps = live.map((index) => (stats[index]!.framesDrawn - drawnBefore[index]!) / elapsedS);
  const cpu = (taskAfter - taskBefore) / elapsedS;
  const mean = fps.reduce((a, b) => a + b, 0) / fps.length;
  console.log(
    `${label}: ${fps.length} live tiles, drawn fps per tile min ${Math.min(...fps).toFixed(1)} mean ${mean.toFixed(1)} max ${Math.max(...fps).toFixed(1)}; page main thread ${(cpu * 100).toFixed(1)}% of a core (TaskDuration over ${elapsedS.toFixed(1)} s)`,
  );
  return { fps, stats };
}

describe.skipIf(needs.skip)(`apps/web's camera grid over /ws in Chromium${needs.reason}`, () => {
  let browser: Browser;
  let server: CountingServer;
  const contexts: BrowserContext[] = [];

  async function newPage(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    return context.newPage();
  }

  beforeAll(async () => {
    needs.check();
    browser = await launchChromium();
    server = await startCountingServer();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('draws all 16 cameras through one TCP connection, one /ws subscription per tile', async () => {
    const page = await newPage({ width: 1600, height: 1400 });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(server.url);
    const first = await liveTiles(page, 16);
    expect(await page.getAttribute('#grid-summary', 'data-transport')).toBe('ws');
    expect(await page.textContent('#grid-summary')).toBe(
      'All 16 cameras play live over one WebSocket connection (/ws).',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await readTiles(page);
    for (const [index, tile] of later.entries()) {
      expect(tile.hash, `tile ${tile.name}'s picture changes`).not.toBe(first[index]!.hash);
    }
    expect([...server.dataSockets.values()]).toEqual([{ upgraded: true, paths: new Set(['/ws']) }]);
    expect(requested.filter((path) => path.startsWith('/cams/'))).toEqual([]);
    expect(wsSubscriptions(server.hubs)).toBe(16);

    // Measured, not asserted: what 16 tiles cost the page.
    const { fps, stats } = await measureGrid(page, 'grid over /ws, 16 tiles of 320x240 at 10 fps');
    expect(stats.every((tile) => tile.transport === 'ws')).toBe(true);
    expect(Math.min(...fps)).toBeGreaterThan(0);
    await page.close();
    await waitFor('every subscription ended', () => wsSubscriptions(server.hubs) === 0, 10_000);
  }, 90_000);

  it('unsubscribes tiles scrolled off screen and subscribes them again when they come back', async () => {
    const page = await newPage({ width: 700, height: 500 });
    await page.goto(server.url);
    await waitFor(
      'the grid on /ws',
      async () => (await page.getAttribute('#grid-summary', 'data-transport')) === 'ws',
    );
    const subscribedOnScreen = await waitFor(
      'off-screen tiles unsubscribed',
      async () => {
        const tiles = await readTiles(page);
        const paused = tiles.filter((tile) => tile.stream === 'paused').length;
        const count = wsSubscriptions(server.hubs);
        return paused > 0 && count > 0 && count === 16 - paused ? count : 0;
      },
      20_000,
      250,
    );
    expect(subscribedOnScreen).toBeLessThan(16);
    const last = CAMERAS[CAMERAS.length - 1]!;
    await page.locator(`[data-camera="${last}"]`).scrollIntoViewIfNeeded();
    await waitFor(
      'the last tile live again',
      async () => (await readTiles(page)).find((tile) => tile.name === last)?.stream === 'live',
      20_000,
      250,
    );
    await page.close();
    await waitFor('every subscription ended', () => wsSubscriptions(server.hubs) === 0, 10_000);
  }, 60_000);

  it('falls back to HTTP streams behind a proxy that refuses WebSocket upgrades', async () => {
    const proxy = await startRefusingProxy(server.url);
    try {
      const page = await newPage({ width: 1600, height: 1400 });
      await page.goto(proxy.url);
      await waitFor(
        'the grid on HTTP',
        async () => (await page.getAttribute('#grid-summary', 'data-transport')) === 'http',
        15_000,
      );
      expect(proxy.refused()).toBeGreaterThanOrEqual(1);
      expect(await page.textContent('#grid-summary')).toMatch(
        /^The server’s WebSocket \(\/ws\) is not reachable from this page.*the cameras play as HTTP streams\. 5 of 16 cameras play live/,
      );
      const first = await waitFor(
        'five live tiles and eleven waiting with a still',
        async () => {
          const tiles = await readTiles(page);
          const live = tiles.filter((tile) => tile.stream === 'live' && tile.lit);
          const waiting = tiles.filter((tile) => tile.stream === 'waiting' && tile.lit);
          return live.length === 5 && waiting.length === 11 ? tiles : null;
        },
        30_000,
        250,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const later = await readTiles(page);
      for (const [index, tile] of later.slice(0, 5).entries()) {
        expect(tile.hash, `tile ${tile.name}'s picture changes`).not.toBe(first[index]!.hash);
      }
      const transports = await page.evaluate(() =>
        window
          .mjpegGrid!.tileStats()
          .slice(0, 5)
          .map((tile) => tile.transport),
      );
      expect(transports).toEqual(['av', 'av', 'av', 'av', 'av']);
      await measureGrid(page, 'grid over HTTP streams behind the proxy, 16 cameras (HTTP/1.1 budget)');
      await page.close();
    } finally {
      await proxy.stop();
    }
  }, 60_000);
});
