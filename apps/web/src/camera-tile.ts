import type { StatusEvent } from '@mjpeg-kit/bytes';
import { type DecoderKind, MjpegPlayer, type MjpegPlayerOptions } from '@mjpeg-kit/client/dom';
import type { CameraInfo } from './cameras.js';

/** How long a tile's stream may take to open before its tile says why it may be waiting, ms. */
export const STALLED_OPEN_MS = 4000;

/** How long a tile whose stream stopped with an error (e.g. the camera's viewer limit) waits to try again, ms. */
export const TILE_RETRY_MS = 5000;

/** What a tile is doing with its picture (its `data-stream` attribute, for styles and tests). */
export type TileStream = 'connecting' | 'live' | 'waiting' | 'paused' | 'stopped';

/** Options of {@link CameraTile}. */
export interface CameraTileOptions {
  /** The link target: this page showing the camera's full player. */
  href: string;
  /** Called from the tile's click (a user gesture: sound may start in it). */
  onOpen: (camera: CameraInfo) => void;
  decoder: DecoderKind | 'auto';
}

/**
 * One camera in the grid: a link (so it is focusable, opens with Enter, and opens in a new
 * tab with a middle click) holding the camera's name, its online state, and either a live
 * silent stream or, when no connection is left for one, a still picture and the reason.
 */
export class CameraTile {
  readonly element: HTMLLIElement;
  #camera: CameraInfo;
  readonly #link: HTMLAnchorElement;
  readonly #screen: HTMLDivElement;
  readonly #online: HTMLSpanElement;
  readonly #note: HTMLSpanElement;
  readonly #decoder: DecoderKind | 'auto';
  #still: HTMLImageElement | undefined;
  #stillUrl: string | undefined;
  #player: MjpegPlayer | undefined;
  #visible = true;
  #stalledTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(camera: CameraInfo, options: CameraTileOptions) {
    this.#camera = camera;
    this.element = document.createElement('li');
    this.element.className = 'tile-item';
    this.#link = document.createElement('a');
    this.#link.className = 'tile';
    this.#link.href = options.href;
    this.#link.dataset.camera = camera.name;
    this.#link.addEventListener('click', (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      options.onOpen(this.#camera);
    });
    this.#screen = document.createElement('div');
    this.#screen.className = 'tile-screen';
    const caption = document.createElement('span');
    caption.className = 'tile-caption';
    const name = document.createElement('span');
    name.className = 'tile-name';
    name.textContent = camera.name;
    this.#online = document.createElement('span');
    this.#online.className = 'tile-online';
    caption.append(name, this.#online);
    this.#note = document.createElement('span');
    this.#note.className = 'tile-note';
    this.#note.hidden = true;
    this.#link.append(this.#screen, caption, this.#note);
    this.element.append(this.#link);
    this.#decoder = options.decoder;
    this.#setStream('stopped');
    this.#renderOnline();
  }

  /** The camera as last listed. */
  get camera(): CameraInfo {
    return this.#camera;
  }

  /** Whether the tile holds a stream (and so one of the browser's connections). */
  get streaming(): boolean {
    return this.#player !== undefined;
  }

  /** The camera's latest entry from `/cams` (its online state). */
  update(camera: CameraInfo): void {
    this.#camera = camera;
    this.#renderOnline();
  }

  /** The tile's player's counters (drawn fps, transport), for the page's diagnostics and tests. */
  get playerStats(): MjpegPlayer['stats'] | undefined {
    return this.#player?.stats;
  }

  /**
   * Plays `url` (the camera's video-only stream) silently in the tile; `openStream`, when given,
   * reads it instead (the grid's shared `/ws` connection). `stalledNote`, when given, is shown if
   * the stream has not opened after {@link STALLED_OPEN_MS}.
   */
  startLive(
    url: string,
    stalledNote: string | undefined,
    openStream?: MjpegPlayerOptions['openStream'],
  ): void {
    this.#stopPlayer();
    this.#removeStill();
    this.#showNote(undefined);
    this.#setStream('connecting');
    if (stalledNote !== undefined) {
      this.#stalledTimer = setTimeout(() => this.#showNote(stalledNote), STALLED_OPEN_MS);
    }
    this.#player = new MjpegPlayer(this.#screen, {
      url,
      decoder: this.#decoder,
      statsIntervalMs: 1000,
      onStatus: (event: StatusEvent) => this.#status(event),
      onState: (state) => {
        this.#renderOnline();
        if (state === 'error') this.#retryLater();
      },
      autoplay: this.#visible,
      // Without the grid's connection the grid has already found /ws unusable: no probe per tile.
      ...(openStream ? { openStream } : { transport: 'av' as const }),
    });
  }

  /**
   * Plays the live stream only while the tile is on screen: an off-screen tile's player pauses,
   * which ends its stream (over `/ws`, unsubscribes the camera), and plays again when it scrolls back.
   */
  setVisible(visible: boolean): void {
    if (this.#visible === visible) return;
    this.#visible = visible;
    const player = this.#player;
    if (!player) return;
    if (visible) player.play();
    else player.pause();
    this.#setStream(visible ? 'connecting' : 'paused');
  }

  /** Leaves the tile without a stream, saying why. */
  wait(note: string): void {
    this.#stopPlayer();
    this.#setStream('waiting');
    this.#showNote(note);
  }

  /** Shows a still picture (a waiting tile's latest snapshot). */
  showStill(jpeg: Blob): void {
    if (this.#player) return;
    if (!this.#still) {
      this.#still = document.createElement('img');
      this.#still.className = 'tile-still';
      this.#still.alt = '';
      this.#screen.append(this.#still);
    }
    const previous = this.#stillUrl;
    this.#stillUrl = URL.createObjectURL(jpeg);
    this.#still.src = this.#stillUrl;
    if (previous) URL.revokeObjectURL(previous);
  }

  /** Stops the stream and frees everything the tile holds. */
  destroy(): void {
    this.#stopPlayer();
    this.#removeStill();
    this.#setStream('stopped');
    this.element.remove();
  }

  #status(event: StatusEvent): void {
    if (event.state === 'open') {
      clearTimeout(this.#stalledTimer);
      this.#showNote(undefined);
      this.#setStream('live');
    } else if (event.state === 'reconnecting') {
      this.#setStream('connecting');
    }
    this.#renderOnline();
  }

  #renderOnline(): void {
    const online = this.#camera.online || this.#player?.state === 'playing';
    this.#online.textContent = online ? 'online' : 'offline';
    this.#online.dataset.online = String(online);
  }

  #showNote(text: string | undefined): void {
    this.#note.hidden = text === undefined;
    this.#note.textContent = text ?? '';
  }

  #setStream(stream: TileStream): void {
    this.#link.dataset.stream = stream;
  }

  /** A stream that ended with an error (an unknown camera, the viewer limit) is tried again later. */
  #retryLater(): void {
    clearTimeout(this.#retryTimer);
    this.#setStream('connecting');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#visible && this.#player?.state === 'error') this.#player.play();
    }, TILE_RETRY_MS);
  }

  #stopPlayer(): void {
    clearTimeout(this.#stalledTimer);
    this.#stalledTimer = undefined;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#player?.destroy();
    this.#player = undefined;
  }

  #removeStill(): void {
    this.#still?.remove();
    this.#still = undefined;
    if (this.#stillUrl) URL.revokeObjectURL(this.#stillUrl);
    this.#stillUrl = undefined;
  }
}
