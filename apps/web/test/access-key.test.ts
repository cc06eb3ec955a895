/**
 * The page on a server started with `--key TOKEN`: opened as `/?key=TOKEN` it loads its
 * assets, plays video and audio, and sends the key to its own server's data URLs only;
 * opened without the key, or with one the server no longer takes, it says so.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { requirements } from '../../../test-support/tools.js';
import { SERVER_CLI, WEB_DIST_INDEX } from './helpers/harness.js';
import { audibleLevel, framesAfter } from './helpers/player-page.js';
import { type RunningServer, startServer } from './helpers/server.js';

const needs = requirements({
  chromium: CHROMIUM_PATH,
  'built server': SERVER_CLI,
  'built web app': WEB_DIST_INDEX,
});

const TOKEN = 'k3y-with+odd/chars=';

describe.skipIf(needs.skip)(`apps/web in Chromium against mjpeg-kit-server --key${needs.reason}`, () => {
  let browser: Browser;
  let server: RunningServer;
  const contexts: BrowserContext[] = [];

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    contexts.push(context);
    return context.newPage();
  }

  beforeAll(async () => {
    needs.check();
    browser = await launchChromium();
    server = await startServer(['--size', '320x240', '--fps', '15', '--key', TOKEN]);
  }, 30_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('plays video and audio opened as /?key=TOKEN, sending the key to its own data URLs (#9)', async () => {
    const page = await newPage();
    const requested: Array<{ url: string; status: number }> = [];
    page.on('response', (response) => requested.push({ url: response.url(), status: response.status() }));
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    const response = await page.goto(`${server.url}?key=${encodeURIComponent(TOKEN)}`);
    expect(response?.status()).toBe(200);
    // The address carries the key: a referrer must never take it to another origin.
    expect(response?.headers()['referrer-policy']).toBe('same-origin');

    const stats = await framesAfter(page, 5, 20_000).catch((error: Error) => {
      const seen = requested.map(({ url, status }) => `${status} ${url}`).join('\n');
      throw new Error(`${error.message}\nresponses:\n${seen}`);
    });
    expect(stats).toMatchObject({ state: 'playing', mode: 'canvas', width: 320 });

    await page.click('#audio');
    const level = await audibleLevel(page);
    expect(level).toBeGreaterThan(0.01);

    const own = requested.map(({ url, status }) => ({ url: new URL(url), status }));
    expect(own.every(({ url }) => url.origin === new URL(server.url).origin)).toBe(true);
    expect(own.filter(({ status }) => status >= 400)).toEqual([]);
    // The player takes /ws when it can, /av otherwise: whichever it opened carries the key.
    const data = [
      ...own.filter(({ url }) => url.pathname === '/av').map(({ url }) => url),
      ...sockets.map((s) => new URL(s)),
    ];
    expect(data.length).toBeGreaterThan(0);
    for (const url of data) expect(url.searchParams.get('key')).toBe(TOKEN);
    expect(own.some(({ url }) => url.pathname.startsWith('/assets/'))).toBe(true);
  }, 60_000);

  it('answers / without the key with a message that names the key (#9)', async () => {
    const page = await newPage();
    const response = await page.goto(server.url);
    expect(response?.status()).toBe(401);
    await expect.poll(() => page.textContent('body'), { timeout: 5000 }).toMatch(/key/i);
  });

  it('says the key was refused when the server restarts with another key (#9)', async () => {
    const own = await startServer(['--size', '160x120', '--fps', '10', '--audio', 'none', '--key', 'first']);
    let restarted: RunningServer | undefined;
    try {
      const page = await newPage();
      await page.goto(`${own.url}?key=first`);
      await framesAfter(page, 3, 20_000);
      await own.stop();
      restarted = await startServer(
        ['--size', '160x120', '--fps', '10', '--audio', 'none', '--key', 'second'],
        own.port,
      );
      await expect
        .poll(() => page.textContent('#message'), { timeout: 25_000 })
        .toMatch(/refused this page's key \(HTTP 401\)/);
      expect(await page.isHidden('#message')).toBe(false);
    } finally {
      await own.stop();
      await restarted?.stop();
    }
  }, 60_000);
});
