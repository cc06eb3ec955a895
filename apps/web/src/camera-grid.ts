import type { DecoderKind } from '@mjpeg-kit/client/dom';
import { CameraTile } from './camera-tile.js';
import { type CameraInfo, cameraUrl, fetchCameras } from './cameras.js';
import { budgetSummary, type StreamBudget, stalledNote, waitingNote } from './connection-budget.js';

/** How often the grid refreshes the camera list and the waiting tiles' still pictures, ms. */
export const GRID_REFRESH_MS = 5000;
/** Longest wait for one still picture of a waiting tile, ms. */
export const STILL_TIMEOUT_MS = 4000;

/** Options of {@link CameraGrid}. */
export interface CameraGridOptions {
  /** The page's address when a URL is built (data URLs are relative to it and carry its key). */
  pageUrl: () => string;
  budget: StreamBudget;
  /** The address of this page showing one camera's full player. */
  cameraPageHref: (name: string) => string;
  /** Called from a tile's click (a user gesture). */
  onOpen: (camera: CameraInfo) => void;
  decoder: DecoderKind | 'auto';
}

/**
 * Every camera of the server as a tile. The first cameras, as many as the connection budget
 * allows, play live (their silent `/cams/NAME/stream`); the others say they wait for a
 * connection and show a still picture, refreshed one at a time over the connection the budget
 * keeps free, so the page itself never waits behind the streams.
 */
export class CameraGrid {
  readonly #list: HTMLElement;
  readonly #summary: HTMLElement;
  readonly #options: CameraGridOptions;
  readonly #tiles = new Map<string, CameraTile>();
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #running = false;

  constructor(list: HTMLElement, summary: HTMLElement, options: CameraGridOptions) {
    this.#list = list;
    this.#summary = summary;
    this.#options = options;
  }

  /** Builds a tile per camera (in the server's order) and starts the live ones. */
  show(cameras: readonly CameraInfo[]): void {
    this.stop();
    this.#running = true;
    const { budget } = this.#options;
    const stalled = budget.connectionLimit === undefined ? undefined : stalledNote(budget);
    for (const [index, camera] of cameras.entries()) {
      const tile = new CameraTile(camera, {
        href: this.#options.cameraPageHref(camera.name),
        onOpen: this.#options.onOpen,
        decoder: this.#options.decoder,
      });
      this.#tiles.set(camera.name, tile);
      this.#list.append(tile.element);
      if (index < budget.streams) {
        tile.startLive(cameraUrl(camera.name, 'stream', this.#options.pageUrl()), stalled);
      } else {
        tile.wait(waitingNote(budget));
      }
    }
    const summary = budgetSummary(budget, cameras.length);
    this.#summary.hidden = summary === undefined;
    this.#summary.textContent = summary ?? '';
    void this.#refreshStills().finally(() => this.#scheduleRefresh());
  }

  /** Stops every stream and timer and removes the tiles (the full player takes the connections). */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    for (const tile of this.#tiles.values()) tile.destroy();
    this.#tiles.clear();
  }

  #scheduleRefresh(): void {
    if (!this.#running) return;
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => void this.#refresh(), GRID_REFRESH_MS);
  }

  async #refresh(): Promise<void> {
    const cameras = await fetchCameras(this.#options.pageUrl());
    if (!this.#running) return;
    for (const camera of cameras ?? []) this.#tiles.get(camera.name)?.update(camera);
    await this.#refreshStills();
    this.#scheduleRefresh();
  }

  /** One snapshot after another, so waiting tiles never take more than the one free connection. */
  async #refreshStills(): Promise<void> {
    for (const tile of [...this.#tiles.values()]) {
      if (!this.#running) return;
      if (tile.streaming) continue;
      try {
        const response = await fetch(cameraUrl(tile.camera.name, 'snapshot.jpg', this.#options.pageUrl()), {
          signal: AbortSignal.timeout(STILL_TIMEOUT_MS),
          cache: 'no-store',
        });
        if (!response.ok) continue;
        const jpeg = await response.blob();
        if (this.#running && this.#tiles.get(tile.camera.name) === tile) tile.showStill(jpeg);
      } catch {
        // No still this round (offline camera, timeout): the tile keeps its last one.
      }
    }
  }
}
