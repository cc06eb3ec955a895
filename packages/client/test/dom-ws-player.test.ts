import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { findTool } from '../../../test-support/tools.js';
import { CameraRegistry, createMjpegHandler, MjpegHub } from '../../server/src/index.js';
import { bundleDomEntry } from './helpers/dom-bundle.js';

// The DOM player's transport choice in Debian's Chromium against the real server: `/ws` when the
// server offers it, the URL over fetch when it does not, `<img>` when asked; `stats.transport` says which.

const chromium = findTool(CHROMIUM_PATH);
/** A real JPEG, so every decoder path can draw it. */
async function makeJpeg(): Promise<Uint8Array> {
  return new Uint8Array(await readFile(new URL('./vectors/frame1.jpg', import.meta.url)));
}

interface Served {
  base: string;
  upgrades: number;
  close(): Promise<void>;
}

describe.skipIf(chromium.skip)(
  `MjpegPlayer transport in Chromium against the real server${chromium.label}`,
  () => {
    let browser: Browser;
    let bundle: string;
    let jpeg: Uint8Array;
    const cleanups: (() => Promise<void> | void)[] = [];

    beforeAll(async () => {
      chromium.assertPresent();
      bundle = await bundleDomEntry();
      jpeg = await makeJpeg();
      browser = await launchChromium();
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    afterAll(async () => {
      await browser?.close();
    });

    /** The handler with camera `front` (a frame every 40 ms), plus the page and the bundle. */
    async function serve(offerWs: boolean): Promise<Served> {
      const registry = new CameraRegistry();
      const hub = new MjpegHub({ closeTimeoutMs: 300, repeatStillMs: 0 });
      registry.add({ name: 'front', hub, runs: [], audio: false });
      const handler = createMjpegHandler(registry);
      const server: Server = createServer((req, res) => {
        if (req.url === '/dom.js') {
          res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
        } else if (req.url === '/page') {
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end('<!doctype html><body><canvas id="canvas"></canvas><script src="/dom.js"></script>');
        } else {
          handler(req, res);
        }
      });
      const sockets = new Set<Socket>();
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      const served: Served = {
        base: '',
        upgrades: 0,
        async close() {
          await hub.close();
          for (const socket of sockets) socket.destroy();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
      server.on('upgrade', (req, socket, head) => {
        served.upgrades++;
        if (!(offerWs && handler.upgrade(req, socket, head))) socket.destroy();
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      served.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      cleanups.push(() => served.close());
      let seq = 0;
      const timer = setInterval(
        () => hub.publish({ type: 'image/jpeg', body: jpeg, timestamp: Date.now(), seq: ++seq }),
        40,
      );
      cleanups.push(() => clearInterval(timer));
      return served;
    }

    /** Plays `/cams/front/av` with `transport` until 3 frames are drawn (or the `<img>` loads); returns the stats. */
    async function play(served: Served, transport: string) {
      const page = await browser.newPage();
      cleanups.push(() => page.close());
      await page.goto(`${served.base}/page`);
      return page.evaluate(async (transport) => {
        const Dom = (window as unknown as { MjpegKitDom: typeof import('../src/dom.js') }).MjpegKitDom;
        const player = new Dom.MjpegPlayer(document.getElementById('canvas') as HTMLCanvasElement, {
          url: '/cams/front/av',
          transport: transport as 'auto',
        });
        const errors: string[] = [];
        player.addEventListener('error', (event) => errors.push(String((event as CustomEvent).detail)));
        const deadline = Date.now() + 8000;
        while (Date.now() < deadline) {
          const stats = player.stats;
          if (stats.framesDrawn >= 3 || (player.mode === 'img' && player.state === 'playing')) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const { transport: path, framesDrawn, fps, decodeErrors } = player.stats;
        const { mode, state } = player;
        player.destroy();
        return { transport: path, framesDrawn, fps, mode, state, decodeErrors, errors };
      }, transport);
    }

    it("auto plays /ws when the server offers it: stats.transport 'ws'", async () => {
      const served = await serve(true);
      const result = await play(served, 'auto');
      expect(result).toMatchObject({ transport: 'ws', mode: 'canvas', state: 'playing' });
      expect(result.framesDrawn).toBeGreaterThanOrEqual(3);
      expect(served.upgrades).toBe(1);
    });

    it("auto falls back to the URL over fetch when /ws is refused: stats.transport 'av'", async () => {
      const served = await serve(false);
      const result = await play(served, 'auto');
      expect(result).toMatchObject({ transport: 'av', mode: 'canvas', state: 'playing', errors: [] });
      expect(result.framesDrawn).toBeGreaterThanOrEqual(3);
      expect(served.upgrades).toBe(1);
    });

    it("transport 'img' shows the URL in an <img>: stats.transport 'img', no upgrade", async () => {
      const served = await serve(true);
      const result = await play(served, 'img');
      expect(result).toMatchObject({ transport: 'img', mode: 'img' });
      expect(served.upgrades).toBe(0);
    });
  },
);
