// Chromium and an upstream behind nginx at /cam/, for the suites that check a mounted path.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../../../../test-support/chromium.js';
import { type RunningNginx, startNginx } from './nginx.js';

/** What a suite behind nginx reads: the proxy (its `origin`, `errorLog()`) and a browser context. */
export interface ChromiumBehindNginx {
  proxy: RunningNginx;
  context: BrowserContext;
}

export interface ChromiumBehindNginxOptions {
  /** Throws when a requirement is missing (run first, inside `beforeAll`). */
  check(): void;
  /** Starts the server nginx forwards `/cam/` to. */
  startUpstream(): Promise<{ url: string; stop(): Promise<void> }>;
  viewport: { width: number; height: number };
  /** nginx passes WebSocket upgrades on (default), or drops them like a config older than `/ws`. */
  websocket?: boolean;
}

/**
 * For one suite: before its tests, starts the upstream, nginx at `/cam/` in front of it, and
 * Chromium with one context; after them, stops all of it. The returned object is filled in by
 * the time the first test runs.
 */
export function chromiumBehindNginx(options: ChromiumBehindNginxOptions): ChromiumBehindNginx {
  const setup = {} as ChromiumBehindNginx;
  let browser: Browser | undefined;
  let upstream: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    options.check();
    const server = await options.startUpstream();
    upstream = server;
    setup.proxy = await startNginx({ prefix: '/cam/', upstream: server.url, websocket: options.websocket });
    browser = await launchChromium();
    setup.context = await browser.newContext({ viewport: options.viewport });
  }, 30_000);

  afterAll(async () => {
    await setup.context?.close().catch(() => undefined);
    await browser?.close();
    await setup.proxy?.stop();
    await upstream?.stop();
  });

  return setup;
}
