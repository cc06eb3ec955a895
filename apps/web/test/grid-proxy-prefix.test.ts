/**
 * The camera grid behind nginx at /cam/ (apps/server's README block) on a server started with a
 * key: every tile plays over one WebSocket to /cam/ws, every request stays under /cam/, every
 * data request carries the page's key, and nothing goes to another origin.
 */
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../../../test-support/chromium.js';
import { findTool, requirements } from '../../../test-support/tools.js';
import { chromiumBehindNginx } from './helpers/behind-nginx.js';
import { startCameraServer } from './helpers/camera-server.js';
import { readTiles } from './helpers/grid-page.js';
import { WEB_DIST_INDEX, waitFor } from './helpers/harness.js';
import { NGINX } from './helpers/nginx.js';
import { framesAfter } from './helpers/player-page.js';

const nginx = findTool(NGINX);
const needs = requirements({ chromium: CHROMIUM_PATH, 'built web app': WEB_DIST_INDEX });
const TOKEN = 'grid+k3y/=';

describe.skipIf(needs.skip || nginx.skip)(
  `apps/web's camera grid in Chromium behind nginx at /cam/ with a key${needs.reason}${nginx.label}`,
  () => {
    const setup = chromiumBehindNginx({
      check: () => {
        needs.check();
        nginx.assertPresent();
      },
      startUpstream: () =>
        startCameraServer([{ name: 'a' }, { name: 'b' }, { name: 'c' }], { key: TOKEN, websocket: true }),
      viewport: { width: 1000, height: 800 },
    });

    it('plays the grid over one /cam/ws and a camera at /cam/?key=, every request under /cam/ with the key (#11, #12)', async () => {
      const page = await setup.context.newPage();
      const responses: Array<{ url: URL; status: number }> = [];
      page.on('response', (response) =>
        responses.push({ url: new URL(response.url()), status: response.status() }),
      );
      const sockets: URL[] = [];
      page.on('websocket', (socket) => sockets.push(new URL(socket.url())));
      const response = await page.goto(`${setup.proxy.origin}cam/?key=${encodeURIComponent(TOKEN)}`);
      expect(response?.status()).toBe(200);
      await waitFor(
        'three live tiles',
        async () => {
          const tiles = await readTiles(page);
          return tiles.length === 3 && tiles.every((tile) => tile.lit && tile.stream === 'live');
        },
        20_000,
        200,
      ).catch((error: Error) => {
        const seen = responses.map(({ url, status }) => `${status} ${url}`).join('\n');
        throw new Error(`${error.message}\nresponses:\n${seen}\nnginx: ${setup.proxy.errorLog()}`);
      });
      expect(await page.getAttribute('#grid-summary', 'data-transport')).toBe('ws');
      expect(sockets.map((url) => `${url.host}${url.pathname}`)).toEqual([
        `${new URL(setup.proxy.origin).host}/cam/ws`,
      ]);
      expect(sockets[0]!.searchParams.get('key')).toBe(TOKEN);
      await page.click('[data-camera="b"]');
      expect(await framesAfter(page, 5, 20_000)).toMatchObject({ state: 'playing', width: 320 });

      const origin = new URL(setup.proxy.origin).origin;
      expect(responses.filter(({ url }) => url.origin !== origin)).toEqual([]);
      expect(responses.filter(({ status }) => status >= 400)).toEqual([]);
      expect(responses.filter(({ url }) => !url.pathname.startsWith('/cam/'))).toEqual([]);
      const data = responses.filter(({ url }) => url.pathname.startsWith('/cam/cams'));
      expect(data.map(({ url }) => url.pathname)).toEqual(expect.arrayContaining(['/cam/cams']));
      expect(data.filter(({ url }) => url.pathname.endsWith('/stream'))).toEqual([]);
      for (const { url } of data) expect(url.searchParams.get('key'), url.pathname).toBe(TOKEN);
    }, 60_000);
  },
);
