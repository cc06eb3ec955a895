/**
 * The page behind a reverse proxy that mounts the server under a path (nginx
 * `location /cam/ { proxy_pass http://127.0.0.1:PORT/; }`): every request it makes must stay
 * under that path, or the proxy never forwards it.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { findTool, requirements } from '../../../test-support/tools.js';
import { SERVER_CLI, WEB_DIST_INDEX } from './helpers/harness.js';
import { NGINX, type RunningNginx, startNginx } from './helpers/nginx.js';
import { framesAfter } from './helpers/player-page.js';
import { type RunningServer, startServer } from './helpers/server.js';

const nginx = findTool(NGINX);
const needs = requirements({
  chromium: CHROMIUM_PATH,
  'built server': SERVER_CLI,
  'built web app': WEB_DIST_INDEX,
});

describe.skipIf(needs.skip || nginx.skip)(
  `apps/web in Chromium behind nginx at /cam/${needs.reason}${nginx.label}`,
  () => {
    let browser: Browser;
    let server: RunningServer;
    let proxy: RunningNginx;
    let context: BrowserContext;

    beforeAll(async () => {
      needs.check();
      nginx.assertPresent();
      server = await startServer(['--size', '320x240', '--fps', '15']);
      proxy = await startNginx({ prefix: '/cam/', upstream: server.url });
      browser = await launchChromium();
      context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    }, 30_000);

    afterAll(async () => {
      await context?.close().catch(() => undefined);
      await browser?.close();
      await proxy?.stop();
      await server?.stop();
    });

    it('plays the page at /cam/ with every request under /cam/ (#9)', async () => {
      const page = await context.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      const response = await page.goto(`${proxy.origin}cam/`);
      expect(response?.status()).toBe(200);
      expect(await page.inputValue('#url')).toBe(`${proxy.origin}cam/av`);

      const stats = await framesAfter(page, 10, 20_000).catch((error: Error) => {
        throw new Error(`${error.message}\nrequests: ${requested.join('\n')}\nnginx: ${proxy.errorLog()}`);
      });
      expect(stats).toMatchObject({ state: 'playing', mode: 'canvas', parser: 'multipart', width: 320 });
      await expect.poll(() => page.textContent('#stat-size'), { timeout: 5000 }).toBe('320×240');
      await expect.poll(() => page.textContent('#stat-fps'), { timeout: 5000 }).toMatch(/^[1-9]/);

      const paths = requested
        .map((url) => new URL(url))
        .filter((url) => url.origin === new URL(proxy.origin).origin)
        .map((url) => url.pathname);
      expect(paths).toContain('/cam/av');
      expect(paths.some((path) => path.startsWith('/cam/assets/'))).toBe(true);
      expect(paths.filter((path) => !path.startsWith('/cam/'))).toEqual([]);
    }, 40_000);
  },
);
