// The player's counters as the end-to-end suites read them in the page.
import type { Page } from 'playwright-core';
import { type EnginePage, playwrightPage } from '../../../../test-support/engines.js';
import { type EngineStats, readEngineStats } from './engine-page.js';
import { waitFor } from './harness.js';

/** The Playwright page as an EnginePage, so the engine-neutral readers of engine-page serve it. */
export function asEnginePage(page: Page): EnginePage {
  return playwrightPage(page, () => page.close());
}

/** The page's `window.mjpegPlayer` state and stats, or `null` before it exists. */
export function readStats(page: Page): Promise<EngineStats | null> {
  return readEngineStats(asEnginePage(page));
}

/** Waits until the page's player has drawn at least `count` frames, and returns its stats. */
export async function framesAfter(page: Page, count: number, timeoutMs = 15_000): Promise<EngineStats> {
  return waitFor<EngineStats | null>(
    `${count} frames drawn`,
    async () => {
      const stats = await readStats(page);
      return stats && stats.framesDrawn >= count ? stats : null;
    },
    timeoutMs,
  );
}

/** Waits until the page's audio meter reads a non-silent level (above 0.01), and returns it. */
export async function audibleLevel(page: Page, timeoutMs = 10_000): Promise<number> {
  return waitFor(
    'a non-silent audio level',
    async () => {
      const value = (await readStats(page))?.audioLevel ?? 0;
      return value > 0.01 ? value : 0;
    },
    timeoutMs,
  );
}
