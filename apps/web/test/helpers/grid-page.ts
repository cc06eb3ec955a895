// Reading the camera grid's tiles in the page, for the multi-camera suites.
import type { Page } from 'playwright-core';

/** What one tile shows: its name, online label, stream state, note, and a hash of its picture. */
export interface TileView {
  name: string;
  online: string;
  stream: string;
  note: string | undefined;
  /** A hash of the picture (live canvas or still) scaled to 16×12; `undefined` without one. */
  hash: number | undefined;
  /** Whether the picture has any non-black pixel. */
  lit: boolean;
}

/** Every tile of the grid, in page order. */
export function readTiles(page: Page): Promise<TileView[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLAnchorElement>('#tiles a.tile')].map((tile) => {
      const note = tile.querySelector<HTMLElement>('.tile-note');
      const canvas = tile.querySelector('canvas');
      const still = tile.querySelector<HTMLImageElement>('img.tile-still');
      const picture = canvas && canvas.width > 0 ? canvas : still?.naturalWidth ? still : undefined;
      let hash: number | undefined;
      let lit = false;
      if (picture) {
        const probe = document.createElement('canvas');
        probe.width = 16;
        probe.height = 12;
        const context = probe.getContext('2d', { willReadFrequently: true })!;
        context.drawImage(picture, 0, 0, 16, 12);
        const data = context.getImageData(0, 0, 16, 12).data;
        hash = 2166136261;
        for (let i = 0; i < data.length; i++) {
          hash = Math.imul(hash ^ data[i]!, 16777619);
          if ((i & 3) !== 3 && data[i]! > 16) lit = true;
        }
        hash >>>= 0;
      }
      return {
        name: tile.querySelector('.tile-name')?.textContent ?? '',
        online: tile.querySelector('.tile-online')?.textContent ?? '',
        stream: tile.dataset.stream ?? '',
        note: note && !note.hidden ? (note.textContent ?? '') : undefined,
        hash,
        lit,
      };
    }),
  );
}
