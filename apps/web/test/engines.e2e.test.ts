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
