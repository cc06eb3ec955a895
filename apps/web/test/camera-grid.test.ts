/**
 * The page on a server with several cameras: a grid of live tiles, a tile opens that camera's
 * full player with sound, and over HTTP/1.1 the tiles past the browser's six connections say
 * that is why they wait, while the page keeps working.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { requirements } from '../../../test-support/tools.js';
import { type RunningCameraServer, startCameraServer } from './helpers/camera-server.js';
import { readTiles, type TileView } from './helpers/grid-page.js';
import { SERVER_CLI, WEB_DIST_INDEX, waitFor } from './helpers/harness.js';
import { framesAfter, readStats } from './helpers/player-page.js';
import { startServer } from './helpers/server.js';

const needs = requirements({ chromium: CHROMIUM_PATH, 'built web app': WEB_DIST_INDEX });

const WAITING = /^waiting: the browser allows 6 connections to this server over HTTP\/1\.1/;

/** Waits until every tile has a lit picture, and returns the tiles. */
function tilesWithPictures(page: Page, count: number, timeoutMs = 20_000): Promise<TileView[]> {
  return waitFor(
    `${count} tiles with a picture`,
    async () => {
      const tiles = await readTiles(page);
      return tiles.length === count && tiles.every((tile) => tile.lit) ? tiles : null;
    },
    timeoutMs,
    200,
  );
}

describe.skipIf(needs.skip)(`apps/web's camera grid in Chromium${needs.reason}`, () => {
  let browser: Browser;
  let three: RunningCameraServer;
  const contexts: BrowserContext[] = [];

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    contexts.push(context);
    return context.newPage();
  }

  beforeAll(async () => {
    needs.check();
    browser = await launchChromium(['--autoplay-policy=user-gesture-required']);
    three = await startCameraServer([{ name: 'a', audio: true }, { name: 'b' }, { name: 'c' }]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await three?.stop();
  });

  it('shows a tile per camera with its name, online state and a live picture that changes (#11)', async () => {
    const page = await newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(three.url);
    expect(await page.isVisible('#grid-view')).toBe(true);
    expect(await page.isHidden('#player-view')).toBe(true);
    const first = await tilesWithPictures(page, 3);
    expect(first.map((tile) => tile.name)).toEqual(['a', 'b', 'c']);
    await waitFor('every tile online and live', async () =>
      (await readTiles(page)).every((tile) => tile.online === 'online' && tile.stream === 'live'),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await readTiles(page);
    for (const [index, tile] of later.entries()) {
      expect(tile.hash, `tile ${tile.name}'s picture changes`).not.toBe(first[index]!.hash);
      expect(tile.note).toBeUndefined();
    }
    // This test server answers no WebSocket upgrade: the grid says it plays HTTP streams.
    expect(await page.getAttribute('#grid-summary', 'data-transport')).toBe('http');
    expect(await page.textContent('#grid-summary')).toMatch(/the cameras play as HTTP streams\.$/);
    const paths = requested.map((url) => new URL(url).pathname);
    expect(paths).toContain('/cams');
    for (const name of ['a', 'b', 'c']) expect(paths).toContain(`/cams/${name}/stream`);
    // The grid's tiles are silent: none of them asks for the audio-carrying /av.
    expect(paths.filter((path) => path.endsWith('/av'))).toEqual([]);
  });

  it('opens a camera’s full player with sound from a click on its tile, and goes back to the grid (#11)', async () => {
    const page = await newPage();
    await page.goto(three.url);
    await tilesWithPictures(page, 3);
    await page.click('[data-camera="a"]');
    expect(new URL(page.url()).searchParams.get('cam')).toBe('a');
    expect(await page.isHidden('#grid-view')).toBe(true);
    expect(await page.textContent('#camera-title')).toBe('a');
    expect(await page.evaluate(() => new URL(window.mjpegPlayer!.url).pathname)).toBe('/cams/a/av');
    expect(await page.inputValue('#url')).toBe(`${three.url}cams/a/av`);
    // The tile's click started the sound: no second click on "Sound on".
    await waitFor(
      'a non-silent audio level',
      async () => ((await readStats(page))?.audioLevel ?? 0) > 0.01,
      10_000,
    );
    expect(await page.getAttribute('#audio', 'aria-pressed')).toBe('true');
    // With the sound playing, pictures are held for it and still drawn (#9).
    const drawnWithSound = (await readStats(page))?.framesDrawn ?? 0;
    await waitFor(
      'pictures of a drawn with sound',
      async () => ((await readStats(page))?.framesDrawn ?? 0) >= drawnWithSound + 5,
    );
    expect(await readStats(page)).toMatchObject({ state: 'playing', mode: 'canvas', width: 320 });
    // The tiles' streams ended: the player has the connections.
    expect(await page.locator('#tiles a.tile').count()).toBe(0);

    await page.click('#back-to-grid');
    await waitFor('the grid again', () => page.isVisible('#grid-view'));
    expect(new URL(page.url()).searchParams.has('cam')).toBe(false);
    expect(await page.evaluate(() => window.mjpegPlayer)).toBeUndefined();
    await tilesWithPictures(page, 3);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.camera)).toBe(
      'a',
    );

    // A camera without audio opens silent; the browser's back button returns to the grid too.
    await page.click('[data-camera="b"]');
    expect(await framesAfter(page, 5)).toMatchObject({ state: 'playing', mode: 'canvas', width: 320 });
    expect(await page.evaluate(() => new URL(window.mjpegPlayer!.url).pathname)).toBe('/cams/b/av');
    expect(await page.getAttribute('#audio', 'aria-pressed')).toBe('false');
    await page.goBack();
    await waitFor('the grid after history back', () => page.isVisible('#grid-view'));
    await tilesWithPictures(page, 3);
  }, 60_000);

  it('works from the keyboard: Tab to a tile, Enter opens it, Escape returns (#11)', async () => {
    const page = await newPage();
    await page.goto(three.url);
    await tilesWithPictures(page, 3);
    const focused: Array<string | undefined> = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.camera));
    }
    expect(focused).toEqual(['a', 'b', 'c']);
    await page.keyboard.press('Enter');
    expect(await page.textContent('#camera-title')).toBe('c');
    await framesAfter(page, 3);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('back-to-grid');
    await page.keyboard.press('Escape');
    await waitFor('the grid after Escape', () => page.isVisible('#grid-view'));
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.camera)).toBe(
      'c',
    );
  }, 40_000);

  it('over HTTP/1.1 with eight cameras, plays five, says the six-connection limit is why the rest wait, and stays responsive (#11)', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const eight = await startCameraServer(
      names.map((name) => ({ name })),
      { width: 160, height: 120 },
    );
    try {
      const page = await newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(eight.url);
      expect(
        await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.toJSON().nextHopProtocol),
      ).toBe('http/1.1');
      // Every tile gets a picture: live, or the still the free connection brings.
      const tiles = await tilesWithPictures(page, 8, 30_000);
      expect(tiles.map((tile) => tile.name)).toEqual(names);
      await waitFor('five live tiles', async () =>
        (await readTiles(page)).slice(0, 5).every((tile) => tile.stream === 'live'),
      );
      const settled = await readTiles(page);
      for (const tile of settled.slice(0, 5)) expect(tile.note).toBeUndefined();
      for (const tile of settled.slice(5)) {
        expect(tile.stream).toBe('waiting');
        expect(tile.note).toMatch(WAITING);
      }
      expect(await page.textContent('#grid-summary')).toMatch(
        /the cameras play as HTTP streams\. 5 of 8 cameras play live/,
      );
      const streams = requested.filter((url) => /\/cams\/[a-h]\/stream/.test(url));
      expect(new Set(streams.map((url) => new URL(url).pathname)).size).toBe(5);

      // Responsive: the main thread answers at once, and the page's own requests still get a
      // connection (the camera list refreshes, waiting tiles get new stills).
      const lagMs = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const start = performance.now();
            setTimeout(() => resolve(performance.now() - start), 0);
          }),
      );
      expect(lagMs).toBeLessThan(250);
      const listsBefore = requested.filter((url) => new URL(url).pathname === '/cams').length;
      const stillBefore = (await readTiles(page))[7]!.hash;
      await waitFor(
        'a refreshed camera list and a new still of h',
        async () =>
          requested.filter((url) => new URL(url).pathname === '/cams').length > listsBefore &&
          (await readTiles(page))[7]!.hash !== stillBefore,
        15_000,
        250,
      );

      // A waiting camera opens at once: the tiles make way for its player.
      await page.click('[data-camera="h"]');
      const stats = await framesAfter(page, 5, 15_000);
      expect(stats).toMatchObject({ state: 'playing', width: 160 });
      await page.click('#back-to-grid');
      await tilesWithPictures(page, 8, 30_000);
    } finally {
      await eight.stop();
    }
  }, 90_000);
});

const cliNeeds = requirements({
  chromium: CHROMIUM_PATH,
  'built server': SERVER_CLI,
  'built web app': WEB_DIST_INDEX,
});

describe.skipIf(cliNeeds.skip)(`apps/web served by mjpeg-kit-server's CLI${cliNeeds.reason}`, () => {
  let browser: Browser;

  beforeAll(async () => {
    cliNeeds.check();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the plain player, no grid, on a server with one camera (#11)', async () => {
    const server = await startServer(['--size', '320x240', '--fps', '10', '--audio', 'none']);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(new URL(request.url()).pathname));
      await page.goto(server.url);
      expect(await framesAfter(page, 3)).toMatchObject({ state: 'playing', width: 320 });
      expect(await page.isHidden('#grid-view')).toBe(true);
      expect(await page.isHidden('#camera-bar')).toBe(true);
      expect(requested).toContain('/cams');
      // The default camera's /av, which the player reads over the CLI's /ws.
      expect(await page.evaluate(() => new URL(window.mjpegPlayer!.url).pathname)).toBe('/av');
      expect(await page.evaluate(() => window.mjpegPlayer!.stats.transport)).toBe('ws');
      expect(requested.filter((path) => path.startsWith('/cams/'))).toEqual([]);
    } finally {
      await context.close();
      await server.stop();
    }
  });

  it("shows the grid for the CLI's --camera flags, and a tile opens its camera (#11)", async () => {
    const server = await startServer([
      '--size',
      '320x240',
      '--fps',
      '10',
      '--camera',
      'front=synthetic',
      '--camera',
      'desk=synthetic',
    ]);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      const tiles = await tilesWithPictures(page, 2);
      expect(tiles.map((tile) => tile.name)).toEqual(['front', 'desk']);
      // The CLI serves /ws: both tiles share its one connection.
      expect(await page.getAttribute('#grid-summary', 'data-transport')).toBe('ws');
      await page.click('[data-camera="desk"]');
      expect(await framesAfter(page, 3)).toMatchObject({ state: 'playing' });
      expect(await page.evaluate(() => new URL(window.mjpegPlayer!.url).pathname)).toBe('/cams/desk/av');
    } finally {
      await context.close();
      await server.stop();
    }
  }, 40_000);
});
