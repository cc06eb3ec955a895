/**
 * The page behind a reverse proxy that mounts the server under a path (nginx
 * `location /cam/ { proxy_pass http://127.0.0.1:PORT/; }`): every request it makes must stay
 * under that path, or the proxy never forwards it.
 */
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../../../test-support/chromium.js';
import { findTool, requirements } from '../../../test-support/tools.js';
import { chromiumBehindNginx } from './helpers/behind-nginx.js';
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

describe.skipIf(needs.skip || nginx.skip)(
  `apps/web in Chromium behind nginx at /cam/${needs.reason}${nginx.label}`,
  () => {
    const setup = chromiumBehindNginx({
      check: () => {
        needs.check();
        nginx.assertPresent();
      },
      startUpstream: () => startServer(['--size', '320x240', '--fps', '15']),
      viewport: { width: 800, height: 600 },
    });

    it('plays the page at /cam/ with every request under /cam/ (#9)', async () => {
      const page = await setup.context.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      const response = await page.goto(`${setup.proxy.origin}cam/`);
      expect(response?.status()).toBe(200);
      expect(await page.inputValue('#url')).toBe(`${setup.proxy.origin}cam/av`);

      const stats = await framesAfter(page, 10, 20_000).catch((error: Error) => {
        throw new Error(
          `${error.message}\nrequests: ${requested.join('\n')}\nnginx: ${setup.proxy.errorLog()}`,
        );
      });
      expect(stats).toMatchObject({ state: 'playing', mode: 'canvas', parser: 'multipart', width: 320 });
      await expect.poll(() => page.textContent('#stat-size'), { timeout: 5000 }).toBe('320×240');
      await expect.poll(() => page.textContent('#stat-fps'), { timeout: 5000 }).toMatch(/^[1-9]/);

      const paths = requested
        .map((url) => new URL(url))
        .filter((url) => url.origin === new URL(setup.proxy.origin).origin)
        .map((url) => url.pathname);
      expect(paths).toContain('/cam/av');
      expect(paths.some((path) => path.startsWith('/cam/assets/'))).toBe(true);
      expect(paths.filter((path) => !path.startsWith('/cam/'))).toEqual([]);
    }, 40_000);
  },
);
