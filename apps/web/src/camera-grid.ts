import { MAX_WS_SUBSCRIPTIONS, type WsConnection } from '@mjpeg-kit/client';
import type { DecoderKind } from '@mjpeg-kit/client/dom';
import { CameraTile } from './camera-tile.js';
import { type CameraInfo, cameraUrl, fetchCameras } from './cameras.js';
import {
  budgetSummary,
  httpFallbackNote,
  type StreamBudget,
  stalledNote,
  waitingNote,
  wsLimitNote,
  wsSummary,
} from './connection-budget.js';
import { openGridConnection, wsTileStream } from './grid-ws.js';

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
  /**
   * `auto` (default): every tile over one shared `/ws` connection when the server offers it,
   * else HTTP streams within the connection budget. `http`: HTTP streams only.
   */
  transport?: 'auto' | 'http';
}

/** How the grid's tiles get their pictures (the grid's `data-transport`). */
export type GridTransport = 'connecting' | 'ws' | 'http';

/** One tile's counters, as {@link CameraGrid.tileStats} reports them. */
export interface TileStats {
  name: string;
  stream: string;
  transport: string | undefined;
  drawFps: number;
  framesDrawn: number;
}

/**
 * Every camera of the server as a tile. When the server offers `/ws`, every tile plays live over
 * that one WebSocket (each tile subscribes its camera with its own credit; a tile off screen
 * unsubscribes until it scrolls back). Otherwise the first cameras, as many as the connection
 * budget allows, play live (their silent `/cams/NAME/stream`); the others say they wait for a
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
  #connection: WsConnection | undefined;
  #observer: IntersectionObserver | undefined;
  /** Counts `show()` calls, so a `/ws` probe that ends after the grid changed is dropped. */
  #generation = 0;
  #transport: GridTransport = 'connecting';

  constructor(list: HTMLElement, summary: HTMLElement, options: CameraGridOptions) {
    this.#list = list;
    this.#summary = summary;
    this.#options = options;
  }

  /** How the tiles play now. */
  get transport(): GridTransport {
    return this.#transport;
  }

  /** Every tile's counters, in page order (diagnostics, tests). */
  tileStats(): TileStats[] {
    return [...this.#tiles.values()].map((tile) => {
      const stats = tile.playerStats;
      return {
        name: tile.camera.name,
        stream: tile.element.querySelector<HTMLElement>('a.tile')?.dataset.stream ?? '',
        transport: stats?.transport,
        drawFps: stats?.drawFps ?? 0,
        framesDrawn: stats?.framesDrawn ?? 0,
      };
    });
  }

  /** Builds a tile per camera (in the server's order), then plays them over `/ws` or HTTP. */
  show(cameras: readonly CameraInfo[]): void {
    this.stop();
    this.#running = true;
    const generation = ++this.#generation;
    for (const camera of cameras) {
      const tile = new CameraTile(camera, {
        href: this.#options.cameraPageHref(camera.name),
        onOpen: this.#options.onOpen,
        decoder: this.#options.decoder,
      });
      this.#tiles.set(camera.name, tile);
      this.#list.append(tile.element);
    }
    this.#setTransport('connecting', undefined);
    if (this.#options.transport === 'http') {
      this.#playHttp(false);
      return;
    }
    void openGridConnection(this.#options.pageUrl()).then((connection) => {
      if (generation !== this.#generation || !this.#running) {
        connection?.close();
        return;
      }
      if (connection) this.#playWs(connection);
      else this.#playHttp(true);
    });
  }

  #playWs(connection: WsConnection): void {
    this.#connection = connection;
    this.#setTransport('ws', wsSummary(Math.min(this.#tiles.size, MAX_WS_SUBSCRIPTIONS), this.#tiles.size));
    const byElement = new Map<Element, CameraTile>();
    if (typeof IntersectionObserver !== 'undefined') {
      this.#observer = new IntersectionObserver((entries) => {
        for (const entry of entries) byElement.get(entry.target)?.setVisible(entry.isIntersecting);
      });
    }
    for (const [index, tile] of [...this.#tiles.values()].entries()) {
      const { name } = tile.camera;
      if (index >= MAX_WS_SUBSCRIPTIONS) {
        // The server takes 64 subscriptions per connection: the rest show refreshed stills.
        tile.wait(wsLimitNote());
        continue;
      }
      tile.startLive(
        cameraUrl(name, 'stream', this.#options.pageUrl()),
        undefined,
        wsTileStream(connection, name),
      );
      byElement.set(tile.element, tile);
      this.#observer?.observe(tile.element);
    }
    this.#scheduleRefresh();
  }

  #playHttp(wsRefused: boolean): void {
    const { budget } = this.#options;
    const stalled = budget.connectionLimit === undefined ? undefined : stalledNote(budget);
    for (const [index, tile] of [...this.#tiles.values()].entries()) {
      if (index < budget.streams) {
        tile.startLive(cameraUrl(tile.camera.name, 'stream', this.#options.pageUrl()), stalled);
      } else {
        tile.wait(waitingNote(budget));
      }
    }
    const parts = [wsRefused ? httpFallbackNote() : undefined, budgetSummary(budget, this.#tiles.size)];
    const summary = parts.filter((part) => part !== undefined).join(' ');
    this.#setTransport('http', summary === '' ? undefined : summary);
    void this.#refreshStills().finally(() => this.#scheduleRefresh());
  }

  #setTransport(transport: GridTransport, summary: string | undefined): void {
    this.#transport = transport;
    this.#list.dataset.transport = transport;
    this.#summary.dataset.transport = transport;
    this.#summary.hidden = summary === undefined;
    this.#summary.textContent = summary ?? '';
  }

  /** Stops every stream and timer and removes the tiles (the full player takes the connections). */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    this.#observer?.disconnect();
    this.#observer = undefined;
    for (const tile of this.#tiles.values()) tile.destroy();
    this.#tiles.clear();
    // After the tiles: their players end their subscriptions first.
    this.#connection?.close();
    this.#connection = undefined;
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
