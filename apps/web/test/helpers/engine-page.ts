// The player's counters and canvas as the cross-engine suites read them, through an EnginePage;
// player-page and grid-page build on these for the Playwright-only suites.
import type { EnginePage } from '../../../../test-support/engines.js';

/** The player's counters, read in the page (any engine; player-page's readStats for Playwright). */
export interface EngineStats {
  state: string;
  mode: string;
  framesDrawn: number;
  framesDecoded: number;
  framesSkipped: number;
  drawFps: number;
  parser: string | null;
  /** `ws`, `av` (fetch) or `img`. */
  transport: string;
  decoder: string;
  width: number;
  decodeMs: number;
  audioLevel: number | null;
  audioUnderruns: number | null;
  audioPackets: number | null;
  audioPath: string | null;
  /** `performance.now()` when read, so rates use the page's clock. */
  at: number;
}

export function readEngineStats(page: EnginePage): Promise<EngineStats | null> {
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
      parser: stats.parser ?? null,
      transport: stats.transport,
      decoder: stats.decoder,
      width: stats.width,
      decodeMs: stats.decodeMs,
      audioLevel: stats.audio?.level ?? null,
      audioUnderruns: stats.audio?.underruns ?? null,
      audioPackets: stats.audio?.packets ?? null,
      audioPath: stats.audio?.path ?? null,
      at: performance.now(),
    };
  });
}

/** Waits until the player has drawn at least `count` frames; returns its stats. */
export function framesDrawnAtLeast(
  page: EnginePage,
  count: number,
  timeoutMs = 15_000,
): Promise<EngineStats> {
  return page
    .waitFor(
      (wanted: number) => {
        const player = window.mjpegPlayer;
        return player && player.stats.framesDrawn >= wanted ? true : null;
      },
      timeoutMs,
      count,
    )
    .then(async () => (await readEngineStats(page))!);
}

/** Frames drawn per second over `ms`, by the page's clock. */
export async function drawnFps(page: EnginePage, ms: number): Promise<number> {
  const before = (await readEngineStats(page))!;
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = (await readEngineStats(page))!;
  return ((after.framesDrawn - before.framesDrawn) * 1000) / (after.at - before.at);
}

/** What `probePicture` reads off a picture. */
export interface PictureProbe {
  /** FNV-1a over the RGBA bytes of the scaled picture. */
  hash: number;
  /** Whether any colour channel is above 16 (not black). */
  lit: boolean;
}

/**
 * In the page: `picture` scaled to `width`×`height`, hashed, and whether any pixel is lit. Page
 * code cannot import it, so `withPictureProbe` sends its source along; it must close over nothing.
 */
export function probePicture(picture: CanvasImageSource, width: number, height: number): PictureProbe {
  const probe = document.createElement('canvas');
  probe.width = width;
  probe.height = height;
  const context = probe.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(picture, 0, 0, width, height);
  const data = context.getImageData(0, 0, width, height).data;
  let hash = 2166136261;
  let lit = false;
  for (let i = 0; i < data.length; i++) {
    hash = Math.imul(hash ^ data[i]!, 16777619);
    if ((i & 3) !== 3 && data[i]! > 16) lit = true;
  }
  return { hash: hash >>> 0, lit };
}

/** Page source that calls `script` with `probePicture`, for `evaluate` on any engine's page. */
export function withPictureProbe(script: (probe: typeof probePicture) => unknown): string {
  return `(${script})(${probePicture})`;
}

/** A hash of the player's canvas scaled to 32×18, and whether any pixel is lit. */
export function canvasProbe(page: EnginePage): Promise<PictureProbe | null> {
  return page.evaluate<PictureProbe | null>(
    withPictureProbe((probe) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#screen canvas');
      return canvas && canvas.width > 0 ? probe(canvas, 32, 18) : null;
    }),
  );
}

/** Whether two PNGs differ byte for byte (same pixels encode the same in one engine). */
export function pngsDiffer(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return true;
  return false;
}
