// A phone-sized Chromium (mobile viewport, touch, 3× device pixels) with its CPU throttled 4×:
// the player must keep up with a 640×480 15 fps stream with sound on, and the sound keep playing.
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/chromium.js';
import { engineTool, playwrightPage } from '../../../test-support/engines.js';
import { requirements } from '../../../test-support/tools.js';
import { framesDrawnAtLeast, readEngineStats } from './helpers/engine-page.js';
import { SERVER_CLI, WEB_DIST_INDEX } from './helpers/harness.js';
import { type RunningServer, startServer } from './helpers/server.js';

const tool = engineTool('chromium');
const built = requirements({ 'built server': SERVER_CLI, 'built web app': WEB_DIST_INDEX });
const SOURCE_FPS = 15;
const WINDOW_MS = 30_000;
const CPU_SLOWDOWN = 4;

describe.skipIf(tool.skip || built.skip)(
  `apps/web on a phone-sized Chromium, CPU throttled ${CPU_SLOWDOWN}×${tool.label}${built.reason}`,
  () => {
    let browser: Browser;
    let context: BrowserContext;
    let server: RunningServer;

    beforeAll(async () => {
      tool.assertPresent();
      built.check();
      server = await startServer(['--size', '640x480', '--fps', String(SOURCE_FPS)]);
      browser = await launchChromium();
      // A mid-range Android phone (Pixel 7 sized): the seed's author found canvas slow on Android.
      context = await browser.newContext({
        viewport: { width: 412, height: 915 },
        deviceScaleFactor: 2.625,
        isMobile: true,
        hasTouch: true,
        userAgent:
          'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
      });
    }, 60_000);

    afterAll(async () => {
      await context?.close().catch(() => undefined);
      await browser?.close();
      await server?.stop();
    }, 30_000);

    /** One 30 s window, measured once and read by both tests. */
    let measured: Promise<Measured> | undefined;
    interface Measured {
      fps: number;
      underruns: number;
      seconds: number;
      levelAtEnd: number;
      state: string;
      width: number;
      audioPath: string | null;
    }

    function measure(): Promise<Measured> {
      measured ??= (async () => {
        const page: Page = await context.newPage();
        const cdp: CDPSession = await context.newCDPSession(page);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
        await cdp.send('Performance.enable');
        await page.goto(server.url);
        const view = playwrightPage(page, () => page.close());
        await framesDrawnAtLeast(view, 5, 20_000);
        await page.tap('#audio');
        await view.waitFor(() => (window.mjpegPlayer?.stats.audio?.level ?? 0) > 0.01, 15_000);
        const metrics = async () => {
          const { metrics: list } = await cdp.send('Performance.getMetrics');
          return Object.fromEntries(list.map((entry) => [entry.name, entry.value]));
        };
        const before = (await readEngineStats(view))!;
        const metricsBefore = await metrics();
        await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
        const after = (await readEngineStats(view))!;
        const metricsAfter = await metrics();
        const seconds = (after.at - before.at) / 1000;
        const fps = (after.framesDrawn - before.framesDrawn) / seconds;
        // Main-thread time per second: decoding runs off it, drawing and the audio feed on it.
        const busy = (metricsAfter.TaskDuration! - metricsBefore.TaskDuration!) / seconds;
        const script = (metricsAfter.ScriptDuration! - metricsBefore.ScriptDuration!) / seconds;
        const underruns = after.audioUnderruns! - before.audioUnderruns!;
        console.log(
          `mobile ${CPU_SLOWDOWN}× CPU: drawn ${fps.toFixed(1)} fps of ${SOURCE_FPS}, decode ${after.decodeMs.toFixed(1)} ms/frame (${after.decoder}), ` +
            `main thread busy ${(busy * 100).toFixed(0)}% (script ${(script * 100).toFixed(0)}%), ` +
            `${after.framesSkipped - before.framesSkipped} skipped, ${underruns} audio underruns in ${seconds.toFixed(1)} s, transport ${after.transport}`,
        );
        const levelAtEnd = await view.waitFor(() => {
          const value = window.mjpegPlayer?.stats.audio?.level ?? 0;
          return value > 0.01 ? value : 0;
        }, 5000);
        await page.close();
        return {
          fps,
          underruns,
          seconds,
          levelAtEnd,
          state: after.state,
          width: after.width,
          audioPath: after.audioPath,
        };
      })();
      return measured;
    }

    it(`keeps up with 640×480 at ${SOURCE_FPS} fps with sound on: at least 13 frames drawn a second over 30 s`, async () => {
      const result = await measure();
      expect(result.fps).toBeGreaterThanOrEqual(13);
      expect(result).toMatchObject({ state: 'playing', width: 640, audioPath: 'worklet' });
    }, 90_000);

    // Zero underruns is the goal but not always met: the worklet is fed from the throttled main
    // thread. With a fixed 80 ms jitter target it counted 0 to 11 in 30 s at 4× on the shared 2-core
    // host; the target now rises a step per underrun, so one starved moment does not repeat.
    it('keeps the sound playing through the window: non-silent at its end, fewer than one underrun a second', async () => {
      const result = await measure();
      expect(result.levelAtEnd).toBeGreaterThan(0.01);
      expect(result.underruns, 'audio underruns counted by the worklet over the window').toBeLessThan(
        result.seconds,
      );
    }, 90_000);
  },
);
