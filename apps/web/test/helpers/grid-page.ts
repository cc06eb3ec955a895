// Reading the camera grid's tiles in the page, for the multi-camera suites.
import type { Page } from 'playwright-core';
import { withPictureProbe } from './engine-page.js';

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
  return page.evaluate<TileView[]>(
    withPictureProbe((probe) =>
      [...document.querySelectorAll<HTMLAnchorElement>('#tiles a.tile')].map((tile) => {
        const note = tile.querySelector<HTMLElement>('.tile-note');
        const canvas = tile.querySelector('canvas');
        const still = tile.querySelector<HTMLImageElement>('img.tile-still');
        const picture = canvas && canvas.width > 0 ? canvas : still?.naturalWidth ? still : undefined;
        const probed = picture ? probe(picture, 16, 12) : undefined;
        return {
          name: tile.querySelector('.tile-name')?.textContent ?? '',
          online: tile.querySelector('.tile-online')?.textContent ?? '',
          stream: tile.dataset.stream ?? '',
          note: note && !note.hidden ? (note.textContent ?? '') : undefined,
          hash: probed?.hash,
          lit: probed?.lit ?? false,
        };
      }),
    ),
  );
}
