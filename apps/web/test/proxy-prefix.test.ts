/**
 * The page behind a reverse proxy that mounts the server under a path (nginx
 * `location /cam/ { proxy_pass http://127.0.0.1:PORT/; }`): every request it makes must stay
 * under that path, or the proxy never forwards it. With apps/server's README block the player
 * plays over `/cam/ws`; behind a block without the WebSocket lines it falls back to `/cam/av`.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../../../test-support/chromium.js';
import { findTool, requirements } from '../../../test-support/tools.js';
import { type ChromiumBehindNginx, chromiumBehindNginx } from './helpers/behind-nginx.js';
import { SERVER_CLI, WEB_DIST_INDEX } from './helpers/harness.js';
import { NGINX } from './helpers/nginx.js';
import { framesAfter } from './helpers/player-page.js';
import { startServer } from './helpers/server.js';

const nginx = findTool(NGINX);
const needs = requirements({
  chromium: CHROMIUM_PATH,
  'built server': SERVER_CLI,
  'built web app': WEB_DIST_INDEX,
});

/** The page at /cam/ playing: its stats, and the paths of every HTTP request and WebSocket it opened. */
async function playAtCam(setup: ChromiumBehindNginx) {
  const page: Page = await setup.context.newPage();
  const requested: string[] = [];
  const sockets: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('websocket', (socket) => sockets.push(socket.url()));
  const response = await page.goto(`${setup.proxy.origin}cam/`);
  expect(response?.status()).toBe(200);
  expect(await page.inputValue('#url')).toBe(`${setup.proxy.origin}cam/av`);

  const stats = await framesAfter(page, 10, 20_000).catch((error: Error) => {
    throw new Error(`${error.message}\nrequests: ${requested.join('\n')}\nnginx: ${setup.proxy.errorLog()}`);
  });
  await expect.poll(() => page.textContent('#stat-size'), { timeout: 5000 }).toBe('320×240');
  await expect.poll(() => page.textContent('#stat-fps'), { timeout: 5000 }).toMatch(/^[1-9]/);
  const origin = new URL(setup.proxy.origin).origin;
  const pathsOf = (urls: string[]) =>
    urls
      .map((url) => new URL(url.replace(/^ws/, 'http')))
      .filter((url) => url.origin === origin)
      .map((url) => url.pathname);
  return { stats, requests: pathsOf(requested), sockets: pathsOf(sockets) };
}

const upstream = () => startServer(['--size', '320x240', '--fps', '15']);
const check = () => {
  needs.check();
  nginx.assertPresent();
};

describe.skipIf(needs.skip || nginx.skip)(
  `apps/web in Chromium behind nginx at /cam/, README block${needs.reason}${nginx.label}`,
  () => {
    const setup = chromiumBehindNginx({
      check,
      startUpstream: upstream,
      viewport: { width: 800, height: 600 },
    });

    it('plays the page at /cam/ over /cam/ws, every request under /cam/ (#9, #12)', async () => {
      const { stats, requests, sockets } = await playAtCam(setup);
      expect(stats).toMatchObject({ state: 'playing', mode: 'canvas', transport: 'ws', width: 320 });
      expect(sockets).toEqual(['/cam/ws']);
      expect(requests).not.toContain('/cam/av');
      expect(requests.some((path) => path.startsWith('/cam/assets/'))).toBe(true);
      expect([...requests, ...sockets].filter((path) => !path.startsWith('/cam/'))).toEqual([]);
    }, 40_000);
  },
);

describe.skipIf(needs.skip || nginx.skip)(
  `apps/web in Chromium behind nginx at /cam/ without the WebSocket lines${needs.reason}${nginx.label}`,
  () => {
    const setup = chromiumBehindNginx({
      check,
      startUpstream: upstream,
      viewport: { width: 800, height: 600 },
      websocket: false,
    });

    it('falls back from /cam/ws to /cam/av and plays, every request under /cam/ (#9, #12)', async () => {
      const { stats, requests, sockets } = await playAtCam(setup);
      expect(stats).toMatchObject({ state: 'playing', mode: 'canvas', transport: 'av', parser: 'multipart' });
      expect(sockets).toEqual(['/cam/ws']);
      expect(requests).toContain('/cam/av');
      expect(requests.filter((path) => !path.startsWith('/cam/'))).toEqual([]);
    }, 40_000);
  },
);
