// The player page in every installed browser engine: Chromium, Firefox ESR and WebKitGTK (Safari's
// engine). One suite, the same assertions, run once per engine, one engine after another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserEngine,
  ENGINE_NAMES,
  type EnginePage,
  engineTool,
  launchEngine,
} from '../../../test-support/engines.js';
import { requirements } from '../../../test-support/tools.js';
import {
  canvasProbe,
  drawnFps,
  framesDrawnAtLeast,
  pngsDiffer,
  readEngineStats,
} from './helpers/engine-page.js';
import { SERVER_CLI, WEB_DIST_INDEX } from './helpers/harness.js';
import { type RunningServer, startServer } from './helpers/server.js';

const built = requirements({ 'built server': SERVER_CLI, 'built web app': WEB_DIST_INDEX });
const SOURCE_FPS = 15;
/** Frames each decoder must decode in the leak test (60 fps source: about 5 s). */
const LEAK_FRAMES = 300;

/** Per engine, the `<img src=/stream>` parameters its docs ask for. */
const IMG_PARAMS: Record<string, string> = {
  // Chromium's <img> draws a part only once the next part's headers are complete.
  chromium: 'advance_headers=1',
  firefox: '',
  // WebKit needs the last frame of a still scene twice (harmless on a moving one).
  webkit: 'dual_final_frames=1',
};

for (const name of ENGINE_NAMES) {
  const tool = engineTool(name);
  describe.skipIf(tool.skip || built.skip)(`apps/web in ${name}${tool.label}${built.reason}`, () => {
    let engine: BrowserEngine;
    let server: RunningServer;
    let page: EnginePage | undefined;

    beforeAll(async () => {
      tool.assertPresent();
      built.check();
      server = await startServer(['--size', '640x360', '--fps', String(SOURCE_FPS)]);
      engine = await launchEngine(name);
      console.log(`${name} ${engine.version}`);
    }, 60_000);

    afterAll(async () => {
      await page?.close();
      await engine?.close();
      await server?.stop();
    }, 30_000);

    async function openPage(url: string): Promise<EnginePage> {
      await page?.close();
      page = await engine.open(url);
      return page;
    }

    it('plays the synthetic /av stream into the canvas at close to the source rate', async () => {
      const view = await openPage(server.url);
      await framesDrawnAtLeast(view, 3);
      const first = await canvasProbe(view);
      expect(first?.lit).toBe(true);
      const fps = await drawnFps(view, 3000);
      const second = await canvasProbe(view);
      expect(second?.hash).not.toBe(first?.hash);
      console.log(`${name}: drawn ${fps.toFixed(1)} fps of ${SOURCE_FPS}`);
      // Headroom: two cores shared with other suites.
      expect(fps).toBeGreaterThan(SOURCE_FPS * 0.5);
      expect(fps).toBeLessThan(SOURCE_FPS * 1.5);
      const stats = (await readEngineStats(view))!;
      expect(stats).toMatchObject({ state: 'playing', mode: 'canvas', width: 640 });
      // The page prefers the server's /ws; over fetch the parser must be multipart.
      expect(['ws', 'av']).toContain(stats.transport);
      if (stats.transport === 'av') expect(stats.parser).toBe('multipart');
    });

    it('starts audio on a click and renders non-silent samples, then silence when muted', async () => {
      const view = await openPage(server.url);
      await framesDrawnAtLeast(view, 2);
      expect((await readEngineStats(view))?.audioLevel).toBeNull();
      await view.click('#audio');
      const level = await view.waitFor(() => {
        const value = window.mjpegPlayer?.stats.audio?.level ?? 0;
        return value > 0.01 ? value : 0;
      }, 15_000);
      console.log(`${name}: audio level ${level.toFixed(3)}`);
      const stats = (await readEngineStats(view))!;
      expect(stats.audioPath).toBe('worklet');
      expect(stats.audioPackets).toBeGreaterThan(0);
      // Pictures held for their sound are still drawn at about the source rate.
      expect(await drawnFps(view, 2000)).toBeGreaterThan(SOURCE_FPS * 0.5);
      await view.click('#audio');
      await view.waitFor(() => (window.mjpegPlayer?.stats.audio?.level ?? 1) < 0.001, 5000);
    });

    it('pauses on the Pause button (no frames drawn) and resumes on Play', async () => {
      const view = await openPage(server.url);
      await framesDrawnAtLeast(view, 3);
      await view.click('#play');
      await view.waitFor(() => window.mjpegPlayer?.state === 'paused', 5000);
      const paused = (await readEngineStats(view))!.framesDrawn;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await readEngineStats(view))!.framesDrawn).toBe(paused);
      await view.click('#play');
      await framesDrawnAtLeast(view, paused + 5);
      expect((await readEngineStats(view))!.state).toBe('playing');
    });

    it('pauses while the page is hidden (the server frees the viewer) and reconnects when shown', async () => {
      const view = await openPage(server.url);
      await framesDrawnAtLeast(view, 3);
      const viewers = async () =>
        ((await (await fetch(`${server.url}state`)).json()) as { viewers: number }).viewers;
      expect(await viewers()).toBeGreaterThan(0);
      await view.hide!();
      await view.waitFor(
        () => document.visibilityState === 'hidden' && window.mjpegPlayer?.state === 'hidden',
        10_000,
      );
      const deadline = Date.now() + 10_000;
      while ((await viewers()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await viewers(), 'viewers while hidden').toBe(0);
      const hidden = (await readEngineStats(view))!.framesDrawn;
      await view.show!();
      await view.waitFor(() => document.visibilityState === 'visible', 10_000);
      await framesDrawnAtLeast(view, hidden + 5, 20_000);
      expect((await readEngineStats(view))!.state).toBe('playing');
    }, 45_000);

    it('recovers after the server restarts on the same port', async () => {
      const own = await startServer(['--size', '320x240', '--fps', '10']);
      let restarted: RunningServer | undefined;
      try {
        const view = await openPage(own.url);
        const before = await framesDrawnAtLeast(view, 5);
        await own.stop();
        await view.waitFor(() => window.mjpegPlayer?.state === 'connecting', 15_000);
        restarted = await startServer(['--size', '320x240', '--fps', '10'], own.port);
        const after = await framesDrawnAtLeast(view, before.framesDrawn + 10, 30_000);
        expect(after.state).toBe('playing');
      } finally {
        await page?.close();
        page = undefined;
        await own.stop();
        await restarted?.stop();
      }
    }, 60_000);

    it('plays ?raw=1 (application/octet-stream with X-Boundary) over fetch', async () => {
      const view = await openPage(`${server.url}?url=${encodeURIComponent(`${server.url}stream?raw=1`)}`);
      const stats = await framesDrawnAtLeast(view, 10);
      expect(stats).toMatchObject({ state: 'playing', mode: 'canvas', transport: 'av', parser: 'multipart' });
    });

    it('switches to ?raw=1 and keeps playing when fetch cannot read a multipart body (Safari, injected)', async () => {
      const view = await openPage(server.url);
      await framesDrawnAtLeast(view, 1);
      // Safari's fetch() rejects the first read of a multipart/x-mixed-replace body ("Load failed").
      // Installed after load (WebDriver classic has no init scripts), then the player restarts;
      // without WebSocket the page goes to fetch.
      await view.evaluate(() => {
        const scope = window as unknown as { __fetched: string[]; WebSocket: unknown };
        scope.__fetched = [];
        scope.WebSocket = undefined;
        const realFetch = window.fetch.bind(window);
        window.fetch = async (input, init) => {
          const response = await realFetch(input, init);
          const type = response.headers.get('content-type') ?? '';
          scope.__fetched.push(`${response.url} ${type}`);
          if (!/multipart\/x-mixed-replace/i.test(type) || !response.body) return response;
          response.body.cancel().catch(() => undefined);
          const failing = new ReadableStream({
            pull(controller) {
              controller.error(new TypeError('Load failed'));
            },
          });
          return new Response(failing, { status: response.status, headers: response.headers });
        };
        document.querySelector<HTMLFormElement>('#source-form')!.requestSubmit();
      });
      await view.waitFor(() => (window.mjpegPlayer?.stats.framesDrawn ?? 0) >= 20, 20_000);
      const fetched = await view.evaluate(() => (window as unknown as { __fetched: string[] }).__fetched);
      expect(fetched[0]).toMatch(/\/av multipart\/x-mixed-replace/);
      expect(fetched.some((line) => /[?&]raw=1 application\/octet-stream/.test(line))).toBe(true);
      expect(await readEngineStats(view)).toMatchObject({
        mode: 'canvas',
        parser: 'multipart',
        state: 'playing',
      });
    }, 45_000);

    it(`decodes ${LEAK_FRAMES} frames per decoder without accumulating object URLs or bitmaps`, async () => {
      const fast = await startServer(['--size', '160x120', '--fps', '60', '--audio', 'none']);
      try {
        for (const decoder of ['image-bitmap', 'img'] as const) {
          const view = await openPage(
            `${fast.url}?url=${encodeURIComponent(`${fast.url}stream`)}&decoder=${decoder}`,
          );
          await framesDrawnAtLeast(view, 1);
          // Counted from here: the instrumented player is the one the form restarts.
          await view.evaluate(() => {
            const leak = { urlsCreated: 0, urlsRevoked: 0, bitmapsCreated: 0, bitmapsClosed: 0 };
            (window as unknown as { __leak: typeof leak }).__leak = leak;
            const create = URL.createObjectURL;
            const revoke = URL.revokeObjectURL;
            URL.createObjectURL = (object: Blob | MediaSource) => {
              leak.urlsCreated++;
              return create.call(URL, object);
            };
            URL.revokeObjectURL = (url: string) => {
              leak.urlsRevoked++;
              revoke.call(URL, url);
            };
            const makeBitmap = window.createImageBitmap;
            window.createImageBitmap = ((...args: Parameters<typeof createImageBitmap>) =>
              makeBitmap.apply(window, args).then((bitmap) => {
                leak.bitmapsCreated++;
                return bitmap;
              })) as typeof createImageBitmap;
            const close = ImageBitmap.prototype.close;
            ImageBitmap.prototype.close = function (this: ImageBitmap) {
              leak.bitmapsClosed++;
              close.call(this);
            };
            document.querySelector<HTMLFormElement>('#source-form')!.requestSubmit();
          });
          await view.waitFor(
            (count: number) => (window.mjpegPlayer?.stats.framesDecoded ?? 0) >= count,
            LEAK_FRAMES * 100,
            LEAK_FRAMES,
          );
          const counts = await view.evaluate(() => ({
            ...(
              window as unknown as {
                __leak: {
                  urlsCreated: number;
                  urlsRevoked: number;
                  bitmapsCreated: number;
                  bitmapsClosed: number;
                };
              }
            ).__leak,
            decoded: window.mjpegPlayer!.stats.framesDecoded,
          }));
          expect(counts.decoded).toBeGreaterThanOrEqual(LEAK_FRAMES);
          if (decoder === 'image-bitmap') {
            // One decode of the replaced player may straddle the instrumentation.
            expect(counts.bitmapsCreated).toBeGreaterThanOrEqual(counts.decoded);
            expect(counts.bitmapsCreated).toBeLessThanOrEqual(counts.decoded + 1);
            expect(
              Math.abs(counts.bitmapsCreated - counts.bitmapsClosed),
              JSON.stringify(counts),
            ).toBeLessThanOrEqual(1);
          } else {
            expect(counts.urlsCreated).toBeGreaterThanOrEqual(counts.decoded);
            expect(
              Math.abs(counts.urlsCreated - counts.urlsRevoked),
              JSON.stringify(counts),
            ).toBeLessThanOrEqual(1);
          }
        }
      } finally {
        await page?.close();
        page = undefined;
        await fast.stop();
      }
    }, 90_000);

    it(`shows successive frames in a native <img src=/stream${IMG_PARAMS[name] ? `?${IMG_PARAMS[name]}` : ''}>`, async () => {
      // A page of the server's origin (about:blank is opaque, and Chromium's <img> stays empty there).
      const view = await openPage(`${server.url}snapshot.jpg`);
      const src = `${server.url}stream${IMG_PARAMS[name] ? `?${IMG_PARAMS[name]}` : ''}`;
      await view.evaluate((url: string) => {
        document.body.replaceChildren();
        document.body.style.margin = '0';
        const img = document.createElement('img');
        img.id = 'native';
        img.src = url;
        document.body.append(img);
      }, src);
      await view.waitFor(
        () => (document.querySelector<HTMLImageElement>('#native')?.naturalWidth ?? 0) > 0,
        15_000,
      );
      const shots = [await view.screenshot()];
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 700));
        shots.push(await view.screenshot());
      }
      const changes = shots.slice(1).filter((shot, i) => pngsDiffer(shots[i]!, shot)).length;
      expect(changes, 'screenshots 0.7 s apart that differ from the one before').toBe(3);
    });
  });
}
