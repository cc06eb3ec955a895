// The player's counters as the end-to-end suites read them in the page.
import type { Page } from 'playwright-core';
import { waitFor } from './harness.js';

/** The player's counters, read in the page. */
interface PageStats {
  state: string;
  mode: string;
  framesDrawn: number;
  framesDecoded: number;
  framesSkipped: number;
  drawFps: number;
  parser: string | undefined;
  width: number;
  audioLevel: number | undefined;
}

/** The page's `window.mjpegPlayer` state and stats, or `null` before it exists. */
export function readStats(page: Page): Promise<PageStats | null> {
  return page.evaluate(() => {
    const player = window.mjpegPlayer;
    if (!player) return null;
    const stats = player.stats;
    return {
      state: player.state,
      mode: player.mode,
      framesDrawn: stats.framesDrawn,
      framesDecoded: stats.framesDecoded,
      framesSkipped: stats.framesSkipped,
      drawFps: stats.drawFps,
      parser: stats.parser,
      width: stats.width,
      audioLevel: stats.audio?.level,
    };
  });
}

/** Waits until the page's player has drawn at least `count` frames, and returns its stats. */
export async function framesAfter(page: Page, count: number, timeoutMs = 15_000): Promise<PageStats> {
  return waitFor<PageStats | null>(
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
