import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { requirements } from '../../../test-support/tools.js';
import { canvasProbe } from './helpers/engine-page.js';
import { SERVER_CLI, WEB_DIST_INDEX, waitFor } from './helpers/harness.js';
import { asEnginePage, audibleLevel, framesAfter, readStats } from './helpers/player-page.js';
import { type RunningServer, startServer } from './helpers/server.js';

const needs = requirements({
  chromium: CHROMIUM_PATH,
  'built server': SERVER_CLI,
  'built web app': WEB_DIST_INDEX,
});

describe.skipIf(needs.skip)(`apps/web in Chromium against mjpeg-kit-server${needs.reason}`, () => {
  let browser: Browser;
  let server: RunningServer;
  const contexts: BrowserContext[] = [];
  const SOURCE_FPS = 15;

  async function newPage(initScript?: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    contexts.push(context);
    if (initScript) await context.addInitScript(initScript);
    return context.newPage();
  }

  beforeAll(async () => {
    needs.check();
    browser = await launchChromium();
    server = await startServer(['--size', '640x360', '--fps', String(SOURCE_FPS)]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('plays the synthetic /av stream over fetch into the canvas at close to the source rate', async () => {
    const page = await newPage();
    await page.goto(`${server.url}?transport=av`);
    expect(await page.inputValue('#url')).toBe(`${server.url}av`);
    await framesAfter(page, 3);
    const first = await canvasProbe(asEnginePage(page));
    expect(first?.lit).toBe(true);
    const before = (await readStats(page))!;
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = (await readStats(page))!;
    const second = await canvasProbe(asEnginePage(page));
    expect(second?.hash).not.toBe(first?.hash);
    const drawnPerSecond = ((after.framesDrawn - before.framesDrawn) * 1000) / (Date.now() - started);
    // Generous headroom: two cores shared with other suites.
    expect(drawnPerSecond).toBeGreaterThan(SOURCE_FPS * 0.5);
    expect(drawnPerSecond).toBeLessThan(SOURCE_FPS * 1.5);
    expect(after).toMatchObject({ state: 'playing', mode: 'canvas', parser: 'multipart', width: 640 });
    await expect.poll(() => page.textContent('#stat-size'), { timeout: 5000 }).toBe('640×360');
    await expect.poll(() => page.textContent('#stat-path'), { timeout: 5000 }).toMatch(/^multipart → /);
  });

  it('switches to ?raw=1 and keeps playing when fetch cannot read a multipart body (Safari)', async () => {
    // Safari's fetch() rejects the first read of a multipart/x-mixed-replace body ("Load failed").
    const page = await newPage(`
      window.__fetched = [];
      const realFetch = window.fetch.bind(window);
      window.fetch = async (input, init) => {
        const response = await realFetch(input, init);
        window.__fetched.push(response.url + ' ' + response.headers.get('content-type'));
        if (!/multipart\\/x-mixed-replace/i.test(response.headers.get('content-type') || '') || !response.body) return response;
        response.body.cancel().catch(() => {});
        const failing = new ReadableStream({ pull(controller) { controller.error(new TypeError('Load failed')); } });
        return new Response(failing, { status: response.status, headers: response.headers });
      };
    `);
    await page.goto(`${server.url}?transport=av`);
    await framesAfter(page, 20);
    const fetched = await page.evaluate(() => (window as unknown as { __fetched: string[] }).__fetched);
    expect(fetched[0]).toMatch(/\/av multipart\/x-mixed-replace/);
    expect(fetched.some((line) => /[?&]raw=1 application\/octet-stream/.test(line))).toBe(true);
    const stats = (await readStats(page))!;
    expect(stats).toMatchObject({ mode: 'canvas', parser: 'multipart', state: 'playing' });
  });

  it('starts audio on a click and renders non-silent samples', async () => {
    const page = await newPage();
    await page.goto(server.url);
    await framesAfter(page, 2);
    expect((await readStats(page))?.audioLevel).toBeNull();
    await page.click('#audio');
    const level = await audibleLevel(page);
    expect(level).toBeGreaterThan(0.01);
    expect(await page.getAttribute('#audio', 'aria-pressed')).toBe('true');
    const contextState = await page.evaluate(() => {
      const stats = window.mjpegPlayer!.stats.audio!;
      return { packets: stats.packets, path: stats.path };
    });
    expect(contextState.packets).toBeGreaterThan(0);
    expect(contextState.path).toBe('worklet');
    // Pictures held for their sound are still drawn, at the source rate (#9): each second of the
    // next two adds frames, half the source rate at least.
    const drawn = [(await readStats(page))!.framesDrawn];
    for (let second = 0; second < 2; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      drawn.push((await readStats(page))!.framesDrawn);
    }
    expect(drawn[1]! - drawn[0]!, `frames drawn each second with sound: ${drawn}`).toBeGreaterThanOrEqual(
      SOURCE_FPS / 2,
    );
    expect(drawn[2]! - drawn[1]!, `frames drawn each second with sound: ${drawn}`).toBeGreaterThanOrEqual(
      SOURCE_FPS / 2,
    );
    // Mute: the rendered signal goes silent while packets keep flowing.
    await page.click('#audio');
    await waitFor('silence after mute', async () => ((await readStats(page))?.audioLevel ?? 1) < 0.001, 5000);
  });

  it('plays audio/PCMU from /av?audio=pcmu', async () => {
    const page = await newPage();
    await page.goto(`${server.url}?url=${encodeURIComponent(`${server.url}av?audio=pcmu`)}`);
    await framesAfter(page, 2);
    await page.click('#audio');
    await waitFor(
      'a non-silent µ-law level',
      async () => ((await readStats(page))?.audioLevel ?? 0) > 0.01,
      10_000,
    );
    const source = await page.evaluate(() => window.mjpegPlayer!.stats.audio!.sourceSampleRateHz);
    expect(source).toBe(8000);
  });

  it('plays a cross-origin stream when CORS allows it, and says why when CORS or the network stops it', async () => {
    const open = await startServer([
      '--size',
      '320x240',
      '--fps',
      '10',
      '--audio',
      'none',
      '--allow-origin',
      '*',
    ]);
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    try {
      const allowed = await newPage();
      await allowed.goto(`${server.url}?url=${encodeURIComponent(`${open.url}stream`)}`);
      expect((await framesAfter(allowed, 5)).parser).toBe('multipart');

      const blocked = await newPage();
      await blocked.goto(`${open.url}?url=${encodeURIComponent(`${server.url}stream`)}`);
      await expect.poll(() => blocked.textContent('#message'), { timeout: 15_000 }).toMatch(/CORS/);
      expect((await readStats(blocked))?.framesDrawn).toBe(0);

      const unreachable = await newPage();
      await unreachable.goto(
        `${server.url}?url=${encodeURIComponent(`http://127.0.0.1:${closedPort}/stream`)}`,
      );
      await expect
        .poll(() => unreachable.textContent('#message'), { timeout: 15_000 })
        .toMatch(/Cannot reach 127\.0\.0\.1:\d+/);
    } finally {
      await open.stop();
    }
  }, 60_000);

  it('recovers after the server restarts on the same port', async () => {
    const own = await startServer(['--size', '320x240', '--fps', '10']);
    let restarted: RunningServer | undefined;
    try {
      const page = await newPage();
      await page.goto(`${own.url}?url=${encodeURIComponent(`${own.url}stream`)}`);
      const before = await framesAfter(page, 5);
      await own.stop();
      await waitFor(
        'the player to notice',
        async () => (await readStats(page))?.state === 'connecting',
        15_000,
      );
      restarted = await startServer(['--size', '320x240', '--fps', '10'], own.port);
      const after = await framesAfter(page, before.framesDrawn + 10, 25_000);
      expect(after.state).toBe('playing');
    } finally {
      await own.stop();
      await restarted?.stop();
    }
  }, 60_000);

  it('decodes 1000 frames without accumulating object URLs or bitmaps', async () => {
    const fast = await startServer(['--size', '160x120', '--fps', '60', '--audio', 'none']);
    try {
      const instrument = `
        window.__leak = { urlsCreated: 0, urlsRevoked: 0, bitmapsCreated: 0, bitmapsClosed: 0 };
        const create = URL.createObjectURL, revoke = URL.revokeObjectURL;
        URL.createObjectURL = function (object) { window.__leak.urlsCreated++; return create.call(URL, object); };
        URL.revokeObjectURL = function (url) { window.__leak.urlsRevoked++; return revoke.call(URL, url); };
        const makeBitmap = window.createImageBitmap;
        window.createImageBitmap = function (...args) {
          return makeBitmap.apply(window, args).then((bitmap) => { window.__leak.bitmapsCreated++; return bitmap; });
        };
        const close = ImageBitmap.prototype.close;
        ImageBitmap.prototype.close = function () { window.__leak.bitmapsClosed++; return close.call(this); };
      `;
      const stream = encodeURIComponent(`${fast.url}stream`);
      const bitmapPage = await newPage(instrument);
      const imgPage = await newPage(instrument);
      await bitmapPage.goto(`${fast.url}?url=${stream}&decoder=image-bitmap`);
      await imgPage.goto(`${fast.url}?url=${stream}&decoder=img`);
      const decoded = async (page: Page) => (await readStats(page))?.framesDecoded ?? 0;
      // 1000 frames at 60 fps is about 17 s; the bound leaves room for frames skipped under load.
      await waitFor(
        '1000 frames decoded on both pages',
        async () => (await decoded(bitmapPage)) >= 1000 && (await decoded(imgPage)) >= 1000,
        75_000,
        500,
      );
      type Leak = { urlsCreated: number; urlsRevoked: number; bitmapsCreated: number; bitmapsClosed: number };
      // Counters and player stats in one evaluation: frames keep arriving between two calls.
      const measure = (page: Page) =>
        page.evaluate(() => {
          const stats = window.mjpegPlayer!.stats;
          return { ...(window as unknown as { __leak: Leak }).__leak, decoded: stats.framesDecoded };
        });
      const bitmaps = await measure(bitmapPage);
      // Every decoded picture must have been released, however many were skipped under load.
      expect(bitmaps.decoded).toBeGreaterThanOrEqual(1000);
      expect(bitmaps.bitmapsCreated).toBe(bitmaps.decoded);
      // At most one decoded picture is alive at any time (held or being drawn).
      expect(bitmaps.bitmapsCreated - bitmaps.bitmapsClosed).toBeLessThanOrEqual(1);
      expect(bitmaps.urlsCreated).toBe(0);
      const urls = await measure(imgPage);
      expect(urls.decoded).toBeGreaterThanOrEqual(1000);
      expect(urls.urlsCreated).toBeGreaterThanOrEqual(urls.decoded);
      // One URL may be in flight (its decode not finished); every other one was revoked.
      expect(urls.urlsCreated - urls.urlsRevoked).toBeLessThanOrEqual(1);
    } finally {
      await fast.stop();
    }
  }, 120_000);
});
