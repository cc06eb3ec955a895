import {
  contiguousBody,
  type MediaPacket,
  nowMs,
  type PiecesMediaPacket,
  type StatusEvent,
} from '@mjpeg-kit/bytes';
import { AudioOutput } from './audio-output.js';
import {
  createFrameDecoder,
  type DecodedFrame,
  type FrameDecoder,
  getAvailableDecoders,
  type JpegBytes,
  jpegBlob,
} from './decoders.js';
import { PlayerError } from './errors.js';
import { LatestRunner } from './latest-runner.js';
import {
  type ClientStatsLike,
  DEFAULT_MAX_AV_DELAY_MS,
  DEFAULT_STATS_INTERVAL_MS,
  type DrawnFrameInfo,
  type MjpegPlayerOptions,
  type PacketStream,
  type PlayerState,
  type PlayerStats,
  type PlayerStreamOptions,
} from './player-options.js';
import { openPlayerTransport } from './ws-transport.js';

interface PendingFrame {
  packet: MediaPacket | PiecesMediaPacket;
  arrivedAt: number;
}

interface DecodedPicture {
  frame: DecodedFrame;
  packet: MediaPacket | PiecesMediaPacket;
  decodeMs: number;
}

interface HeldFrame extends DecodedPicture {
  /** When it may be drawn (the audio clock reaches its timestamp), `nowMs()` clock. */
  dueAt: number;
  /** How long it was held back for its sound, ms. */
  avDelayMs: number;
}

/**
 * Most decoded pictures held at once, whatever the stream's rate: each is a full-size bitmap
 * (8 MB at 1080p), and 12 cover the 300 ms default A/V delay at 30 fps with room to spare.
 */
const MAX_HELD_FRAMES = 12;

/**
 * Plays an MJPEG stream (with its audio, from an mjpeg-kit `/av` URL) in a page.
 *
 * Video: each JPEG is decoded off the main thread (`createImageBitmap`, or WebCodecs
 * `ImageDecoder`, or an `<img>` fed an object URL that is always revoked) and drawn into a canvas
 * (bitmaps through a `bitmaprenderer` context, so the main thread copies no pixels).
 * At most one decode runs and one newest frame waits for it: when decoding is slower than arrival
 * the player skips to the newest frame, never queues undecoded JPEGs. When the client reports that
 * this browser cannot stream the body (parser `img`), the player shows the URL in a plain `<img>`
 * instead (video only).
 *
 * Audio/video sync: audio is the master clock, because a gap in sound is worse than a late picture.
 * Audio packets go through a jitter buffer (default 80 ms) and play in order of `X-Timestamp`; the
 * player reads which capture instant is audible now and holds each decoded picture until then (at
 * most `maxAvDelayMs`, default 300 ms). Held pictures wait in a short queue ordered by due time,
 * with one timer for the earliest: as many as fit in `maxAvDelayMs` at the stream's rate, at most
 * 12; past that the oldest is closed and counted as skipped. Each paint draws the newest due
 * picture and skips the older due ones, so the video keeps its rate however long the delay and
 * nothing is drawn that the screen would never show. Audio that arrives after its play-out time
 * is dropped, and audio piling up past `maxAudioBufferMs` (a burst after a stall, or drift between
 * camera and sound card clocks) is trimmed oldest-first back to the jitter target. Without audio,
 * or while it primes, pictures are drawn at the first paint after decoding
 * (`requestAnimationFrame`): a picture replaced before that paint is skipped, never drawn unseen.
 *
 * Lifecycle: hidden pages abort the fetch (the server frees the viewer) and reconnect when shown;
 * pause, hiding and a reconnect close the held pictures; `destroy()` aborts, closes bitmaps,
 * revokes URLs, closes the AudioContext and removes listeners.
 *
 * Events (also as options callbacks): `state` (detail: {@link PlayerState}), `status` (detail: the
 * client's `StatusEvent`), `stats` (detail: {@link PlayerStats}), `frame` (detail:
 * {@link DrawnFrameInfo}), `resize` (detail: `{ width, height }`), `error` (detail: `Error`).
 *
 * @example
 * ```ts
 * import { MjpegPlayer } from '@mjpeg-kit/client/dom';
 *
 * const player = new MjpegPlayer(document.querySelector('canvas')!, { url: '/av' });
 * player.addEventListener('stats', (e) => console.log((e as CustomEvent).detail.drawFps));
 * button.onclick = () => player.enableAudio();
 * ```
 */
export class MjpegPlayer extends EventTarget {
  /** The canvas frames are drawn into (created inside `target` when it is not a canvas). */
  readonly canvas: HTMLCanvasElement;
  readonly #options: MjpegPlayerOptions;
  readonly #container: HTMLElement | undefined;
  readonly #decoder: FrameDecoder;
  readonly #runner: LatestRunner<PendingFrame>;
  readonly #open: (url: string, options: PlayerStreamOptions) => PacketStream;
  #context: CanvasRenderingContext2D | ImageBitmapRenderingContext | undefined;
  #url: string;
  #state: PlayerState = 'paused';
  #wantPlaying = false;
  #session: AbortController | undefined;
  #stream: PacketStream | undefined;
  #img: HTMLImageElement | undefined;
  #imgMode = false;
  #audio: AudioOutput | undefined;
  #audioStarting: Promise<void> | undefined;
  /** Decoded pictures waiting to be drawn (for their sound, or for the next paint), by `dueAt`. */
  #held: HeldFrame[] = [];
  /** Armed for the earliest `dueAt` in #held that is still ahead. */
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  #paintRequest: number | undefined;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  /** The drawn frame's JPEG, as pieces (one for a contiguous body), for `snapshot()`. */
  #lastJpeg: Uint8Array[] | undefined;
  #framesDecoded = 0;
  #framesDrawn = 0;
  #framesSkipped = 0;
  #decodeErrors = 0;
  #width = 0;
  #height = 0;
  #drawTimes: number[] = [];
  #decodeTimes: { at: number; ms: number }[] = [];
  #drawLatencyMs: number | undefined;
  #avDelayMs = 0;
  #lastClientStats: ClientStatsLike = {};
  readonly #onVisibility = (): void => this.#visibilityChanged();

  /**
   * @param target - a canvas to draw into, or an element to hold the player's own canvas.
   * @param options - see {@link MjpegPlayerOptions}; `url` is required.
   */
  constructor(target: HTMLCanvasElement | HTMLElement, options: MjpegPlayerOptions) {
    super();
    this.#options = options;
    this.#url = String(options.url);
    this.#open =
      options.openStream ?? ((url, streamOptions) => openPlayerTransport(url, streamOptions, options));
    if (target instanceof HTMLCanvasElement) {
      this.canvas = target;
    } else {
      this.#container = target;
      this.canvas = document.createElement('canvas');
      this.canvas.className = 'mjpeg-player-canvas';
      target.append(this.canvas);
    }
    const wanted = options.decoder ?? 'auto';
    const available = getAvailableDecoders();
    const kind = wanted === 'auto' || !available.includes(wanted) ? available[0] : wanted;
    this.#decoder = createFrameDecoder(kind ?? 'img');
    this.#runner = new LatestRunner<PendingFrame>(
      (pending) => this.#decodeAndPresent(pending),
      () => this.#framesSkipped++,
    );
    if (options.pauseWhenHidden ?? true) document.addEventListener('visibilitychange', this.#onVisibility);
    if (options.autoplay ?? true) this.play();
  }

  /** The stream URL. */
  get url(): string {
    return this.#url;
  }

  get state(): PlayerState {
    return this.#state;
  }

  /** `canvas`, or `img` when the browser cannot stream the body and a plain `<img>` plays it. */
  get mode(): 'canvas' | 'img' {
    return this.#imgMode ? 'img' : 'canvas';
  }

  /** The `<img>` of fallback mode, if it is active. */
  get image(): HTMLImageElement | undefined {
    return this.#img;
  }

  /** Whether audio was enabled with {@link enableAudio}. */
  get audioEnabled(): boolean {
    return this.#audio !== undefined;
  }

  get muted(): boolean {
    return this.#audio?.muted ?? true;
  }

  /**
   * The audio clock: the capture instant (epoch ms, the `X-Timestamp` clock) of the sound audible
   * now, or `undefined` without audio or while it primes. Pictures are held back to this clock.
   */
  get audioClockMs(): number | undefined {
    return this.#audio?.clockMs();
  }

  /** A fresh snapshot of the live counters. */
  get stats(): PlayerStats {
    const stream = this.#stream?.stats ?? this.#lastClientStats;
    const now = nowMs();
    while (this.#drawTimes.length > 0 && this.#drawTimes[0]! < now - 1000) this.#drawTimes.shift();
    while (this.#decodeTimes.length > 0 && this.#decodeTimes[0]!.at < now - 1000) this.#decodeTimes.shift();
    let decodeSum = 0;
    for (const sample of this.#decodeTimes) decodeSum += sample.ms;
    return {
      fps: stream.fps ?? 0,
      bitrateBps: stream.bitrateBps ?? 0,
      framesDropped: stream.framesDropped ?? 0,
      latencyMs: stream.latencyMs,
      parser: this.#imgMode ? 'img' : stream.parser,
      transport: this.#imgMode ? 'img' : (stream.transport ?? 'av'),
      decoder: this.#decoder.kind,
      drawFps: this.#drawTimes.length,
      framesDecoded: this.#framesDecoded,
      framesDrawn: this.#framesDrawn,
      framesSkipped: this.#framesSkipped,
      decodeErrors: this.#decodeErrors,
      width: this.#width,
      height: this.#height,
      decodeMs: this.#decodeTimes.length > 0 ? decodeSum / this.#decodeTimes.length : 0,
      drawLatencyMs: this.#drawLatencyMs,
      avDelayMs: this.#avDelayMs,
      audio: this.#audio?.stats,
    };
  }

  /** Starts (or resumes) the stream. */
  play(): void {
    if (this.#state === 'destroyed') return;
    this.#wantPlaying = true;
    if (this.#isHidden()) {
      this.#setState('hidden');
      return;
    }
    this.#startSession();
    void this.#audio?.resume();
  }

  /** Stops the stream: the fetch is aborted so the server frees the viewer; the last picture stays. */
  pause(): void {
    if (this.#state === 'destroyed') return;
    this.#wantPlaying = false;
    this.#stopSession();
    void this.#audio?.suspend();
    this.#setState('paused');
  }

  /** Switches to another URL (and back to canvas mode), playing it if the player was playing. */
  load(url: string | URL): void {
    if (this.#state === 'destroyed') return;
    this.#stopSession();
    this.#leaveImgMode();
    this.#url = String(url);
    this.#lastJpeg = undefined;
    this.#audio?.clear();
    if (this.#wantPlaying) this.play();
  }

  /**
   * Starts sound. Call it from a user gesture (a click or tap handler): browsers keep an
   * AudioContext created elsewhere suspended (until a later call from a gesture resumes it).
   * Audio packets arriving before this are ignored. Resolves once the audio graph is built.
   *
   * @throws PlayerError `AUDIO_UNAVAILABLE` (rejection) when Web Audio is missing or fails to start.
   */
  enableAudio(): Promise<void> {
    if (this.#state === 'destroyed')
      return Promise.reject(new PlayerError('DESTROYED', 'the player was destroyed'));
    if (this.#audio) {
      this.#audio.setMuted(false);
      // From a gesture this resolves at once; without one it would wait for the next gesture.
      void this.#audio.resume();
      return Promise.resolve();
    }
    if (this.#audioStarting) return this.#audioStarting;
    if (typeof AudioContext !== 'function') {
      return Promise.reject(
        new PlayerError('AUDIO_UNAVAILABLE', 'this browser has no Web Audio AudioContext'),
      );
    }
    const starting = AudioOutput.create({
      jitterBufferMs: this.#options.jitterBufferMs,
      maxBufferMs: this.#options.maxAudioBufferMs,
      forceScriptProcessor: this.#options.audio?.forceScriptProcessor,
    }).then(
      (audio) => {
        this.#audioStarting = undefined;
        if (this.#state === 'destroyed') {
          void audio.close();
          throw new PlayerError('DESTROYED', 'the player was destroyed while audio started');
        }
        this.#audio = audio;
        if (!this.#wantPlaying) void audio.suspend();
      },
      (error: unknown) => {
        this.#audioStarting = undefined;
        throw new PlayerError('AUDIO_UNAVAILABLE', `audio could not start: ${String(error)}`, {
          cause: error,
        });
      },
    );
    this.#audioStarting = starting;
    return starting;
  }

  /** Stops sound and closes the AudioContext; pictures are no longer held for sync. */
  async disableAudio(): Promise<void> {
    const audio = this.#audio;
    this.#audio = undefined;
    await audio?.close();
  }

  /** Silences the audio without stopping it (the audio clock keeps pictures in sync). */
  mute(): void {
    this.#audio?.setMuted(true);
  }

  unmute(): void {
    this.#audio?.setMuted(false);
  }

  /**
   * The picture on screen as a Blob: the original JPEG bytes in canvas mode; in `<img>` mode the
   * image drawn into a canvas and encoded as JPEG.
   *
   * @throws PlayerError `NO_FRAME` before the first frame; `SNAPSHOT_TAINTED` in `<img>` mode for a
   *   cross-origin stream without CORS; `DESTROYED` after destroy().
   */
  async snapshot(): Promise<Blob> {
    if (this.#state === 'destroyed') throw new PlayerError('DESTROYED', 'the player was destroyed');
    if (!this.#imgMode) {
      if (!this.#lastJpeg) throw new PlayerError('NO_FRAME', 'no frame has been drawn yet');
      return jpegBlob(this.#lastJpeg);
    }
    const img = this.#img;
    if (!img || img.naturalWidth === 0) throw new PlayerError('NO_FRAME', 'the <img> shows no frame yet');
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext('2d')?.drawImage(img, 0, 0);
    return new Promise<Blob>((resolve, reject) => {
      try {
        canvas.toBlob((blob) => {
          if (blob) resolve(blob);
          else reject(new PlayerError('NO_FRAME', 'the picture could not be encoded'));
        }, 'image/jpeg');
      } catch (error) {
        // toBlob throws SecurityError on a canvas tainted by a cross-origin image.
        reject(
          new PlayerError('SNAPSHOT_TAINTED', 'the stream is cross-origin without CORS', { cause: error }),
        );
      }
    });
  }

  /**
   * Releases everything: aborts the fetch, closes held bitmaps, closes the AudioContext, removes
   * listeners and the elements the player created. The player cannot be used afterwards.
   */
  destroy(): void {
    if (this.#state === 'destroyed') return;
    this.#wantPlaying = false;
    this.#stopSession();
    this.#runner.close();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    void this.disableAudio();
    this.#leaveImgMode();
    this.#lastJpeg = undefined;
    if (this.#container) this.canvas.remove();
    this.#setState('destroyed');
  }

  #isHidden(): boolean {
    return (this.#options.pauseWhenHidden ?? true) && document.visibilityState === 'hidden';
  }

  #visibilityChanged(): void {
    if (!this.#wantPlaying || this.#state === 'destroyed') return;
    if (document.visibilityState === 'hidden') {
      this.#stopSession();
      void this.#audio?.suspend();
      this.#setState('hidden');
    } else {
      this.play();
    }
  }

  #setState(state: PlayerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onState?.(state);
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }

  #emitError(error: Error): void {
    this.dispatchEvent(new CustomEvent('error', { detail: error }));
  }

  #startSession(): void {
    if (this.#options.transport === 'img' && !this.#imgMode) {
      this.#enterImgMode();
      return;
    }
    if (this.#imgMode) {
      this.#startImg();
      return;
    }
    if (this.#session) return;
    const controller = new AbortController();
    this.#session = controller;
    this.#setState('connecting');
    let stream: PacketStream;
    try {
      stream = this.#open(this.#url, {
        signal: controller.signal,
        onStatus: (event) => this.#clientStatus(event, controller),
        headers: this.#options.headers,
        fetch: this.#options.fetch,
        reconnect: this.#options.reconnect,
        idleTimeoutMs: this.#options.idleTimeoutMs,
        // The decoders take a Blob, which takes pieces as they are: no body is ever copied.
        bodies: 'pieces',
      });
    } catch (error) {
      this.#session = undefined;
      this.#fail(error);
      return;
    }
    this.#stream = stream;
    this.#statsTimer ??= setInterval(
      () => this.#emitStats(),
      this.#options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS,
    );
    void this.#pump(stream, controller);
  }

  #stopSession(): void {
    const session = this.#session;
    this.#session = undefined;
    session?.abort();
    if (this.#stream) this.#lastClientStats = { ...this.#stream.stats };
    this.#stream = undefined;
    this.#runner.clear();
    this.#dropHeld();
    if (this.#paintRequest !== undefined) cancelAnimationFrame(this.#paintRequest);
    this.#paintRequest = undefined;
    if (this.#statsTimer !== undefined) clearInterval(this.#statsTimer);
    this.#statsTimer = undefined;
    if (this.#img) this.#img.removeAttribute('src');
  }

  #clientStatus(event: StatusEvent, controller: AbortController): void {
    if (controller.signal.aborted) return;
    this.#options.onStatus?.(event);
    this.dispatchEvent(new CustomEvent('status', { detail: event }));
    if (event.state === 'reconnecting') {
      this.#audio?.clear();
      // Pictures from before the gap are stale, and the cleared audio clock no longer times them.
      this.#dropHeld();
      if (this.#wantsImg()) this.#enterImgMode();
      else this.#setState('connecting');
    }
  }

  #wantsImg(): boolean {
    return this.#stream?.stats.parser === 'img';
  }

  async #pump(stream: PacketStream, controller: AbortController): Promise<void> {
    try {
      for await (const packet of stream) {
        if (controller.signal.aborted) break;
        if (packet.type === 'image/jpeg') this.#runner.offer({ packet, arrivedAt: nowMs() });
        else this.#audio?.push(withBody(packet));
      }
      if (!controller.signal.aborted) {
        if (this.#wantsImg()) this.#enterImgMode();
        else this.#fail(new PlayerError('STREAM_FAILED', 'the stream ended'));
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      if (this.#wantsImg()) this.#enterImgMode();
      else this.#fail(error);
    } finally {
      if (this.#session === controller) {
        this.#session = undefined;
        if (this.#statsTimer !== undefined && !this.#imgMode) {
          this.#emitStats();
          clearInterval(this.#statsTimer);
          this.#statsTimer = undefined;
        }
      }
    }
  }

  #fail(error: unknown): void {
    const wrapped =
      error instanceof Error
        ? error
        : new PlayerError('STREAM_FAILED', `the stream failed: ${String(error)}`);
    this.#setState('error');
    this.#emitError(wrapped);
  }

  async #decodeAndPresent(pending: PendingFrame): Promise<void> {
    const started = nowMs();
    let frame: DecodedFrame;
    try {
      frame = await this.#decoder.decode(jpegOf(pending.packet));
    } catch (error) {
      this.#decodeErrors++;
      if (this.#decodeErrors === 1)
        this.#emitError(new PlayerError('STREAM_FAILED', 'a frame could not be decoded', { cause: error }));
      return;
    }
    const finished = nowMs();
    this.#framesDecoded++;
    this.#decodeTimes.push({ at: finished, ms: finished - started });
    if (!this.#session || this.#state === 'destroyed') {
      frame.close();
      return;
    }
    this.#present({ frame, packet: pending.packet, decodeMs: finished - started });
  }

  /**
   * Queues the picture to be drawn at the first paint after the audio clock reaches its timestamp.
   * One due now supersedes every picture already due (they would all be skipped at that paint), so
   * without audio at most one picture waits, the newest.
   */
  #present(picture: DecodedPicture): void {
    const avDelayMs = this.#avDelayFor(picture.packet.timestamp);
    const held: HeldFrame = { ...picture, dueAt: nowMs() + avDelayMs, avDelayMs };
    if (avDelayMs === 0) this.#skipSupersededBy(held);
    let index = this.#held.length;
    while (index > 0 && this.#held[index - 1]!.dueAt > held.dueAt) index--;
    this.#held.splice(index, 0, held);
    while (this.#held.length > this.#maxHeldFrames()) this.#skip(this.#held.shift()!);
    this.#schedulePaint();
  }

  /** As many pictures as fit in `maxAvDelayMs` at the stream's rate (plus the one due now), capped. */
  #maxHeldFrames(): number {
    const fps = this.#stream?.stats.fps ?? 0;
    const maxAvDelayMs = this.#options.maxAvDelayMs ?? DEFAULT_MAX_AV_DELAY_MS;
    const fitting = Math.ceil((maxAvDelayMs * fps) / 1000) + 1;
    return fps > 0 && fitting < MAX_HELD_FRAMES ? fitting : MAX_HELD_FRAMES;
  }

  /** Requests a paint if the earliest held picture is due, else arms the timer for it. */
  #schedulePaint(): void {
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    const first = this.#held[0];
    if (first === undefined) return;
    const waitMs = first.dueAt - nowMs();
    if (waitMs <= 0) {
      this.#requestPaint();
      return;
    }
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined;
      this.#schedulePaint();
    }, waitMs);
  }

  /**
   * Draws the due pictures in the next animation frame: two pictures due within one display
   * refresh cost one draw, not two. A hidden page gets no animation frames: it draws at once.
   */
  #requestPaint(): void {
    if (this.#paintRequest !== undefined) return;
    if (typeof requestAnimationFrame !== 'function' || document.visibilityState === 'hidden') {
      this.#drawDue();
      return;
    }
    this.#paintRequest = requestAnimationFrame(() => {
      this.#paintRequest = undefined;
      this.#drawDue();
    });
  }

  /** Draws the newest due picture, skips the older due ones, and waits for the next. */
  #drawDue(): void {
    const now = nowMs();
    let newestDue: HeldFrame | undefined;
    for (const held of this.#held) if (held.dueAt <= now) newestDue = held;
    if (newestDue) {
      this.#skipSupersededBy(newestDue);
      this.#held.splice(this.#held.indexOf(newestDue), 1);
      this.#draw(newestDue);
    }
    this.#schedulePaint();
  }

  /**
   * Skips the held pictures `newer` makes pointless: those due by its time, and older ones held
   * longer (showing them after it would step the video back).
   */
  #skipSupersededBy(newer: HeldFrame): void {
    const kept: HeldFrame[] = [];
    for (const held of this.#held) {
      const superseded =
        held !== newer && (held.dueAt <= newer.dueAt || held.packet.timestamp <= newer.packet.timestamp);
      if (superseded) this.#skip(held);
      else kept.push(held);
    }
    this.#held = kept;
  }

  #skip(held: HeldFrame): void {
    held.frame.close();
    this.#framesSkipped++;
  }

  /** How long to hold a picture taken at `timestamp` so it shows with its sound (0: draw now). */
  #avDelayFor(timestamp: number): number {
    const clock = this.#audio?.clockMs();
    if (clock === undefined) return 0;
    const delay = timestamp - clock;
    // Beyond the ceiling the audio is far behind (a burst, or the sound card stalled): show the
    // picture and let the jitter buffer trim the audio back, rather than freezing the video.
    if (delay <= 0 || delay > (this.#options.maxAvDelayMs ?? DEFAULT_MAX_AV_DELAY_MS)) return 0;
    return Math.round(delay);
  }

  /** Closes every held picture, uncounted: the stream stopped or restarted, nothing was missed. */
  #dropHeld(): void {
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    const held = this.#held;
    this.#held = [];
    for (const { frame } of held) frame.close();
  }

  #draw(held: HeldFrame): void {
    const { frame, packet, avDelayMs } = held;
    try {
      if (!this.#session || this.#state === 'destroyed') return;
      if (frame.width !== this.canvas.width || frame.height !== this.canvas.height || !this.#context) {
        this.canvas.width = frame.width;
        this.canvas.height = frame.height;
        this.#context ??= this.#createContext();
      }
      const context = this.#context;
      if (context instanceof CanvasRenderingContext2D) context.drawImage(frame.source, 0, 0);
      // Hands the bitmap to the compositor: no pixel copy on the main thread.
      else context?.transferFromImageBitmap(frame.source as ImageBitmap);
    } finally {
      frame.close();
    }
    const drawnAt = nowMs();
    this.#lastJpeg = 'pieces' in packet ? packet.pieces : [packet.body];
    this.#framesDrawn++;
    this.#drawTimes.push(drawnAt);
    this.#drawLatencyMs = drawnAt - packet.timestamp;
    this.#avDelayMs = avDelayMs;
    if (frame.width !== this.#width || frame.height !== this.#height) {
      this.#width = frame.width;
      this.#height = frame.height;
      this.dispatchEvent(new CustomEvent('resize', { detail: { width: frame.width, height: frame.height } }));
    }
    if (this.#state === 'connecting') this.#setState('playing');
    const info: DrawnFrameInfo = {
      timestamp: packet.timestamp,
      seq: packet.seq,
      drawnAt,
      width: frame.width,
      height: frame.height,
      decodeMs: held.decodeMs,
    };
    this.#options.onFrame?.(info);
    this.dispatchEvent(new CustomEvent('frame', { detail: info }));
  }

  /**
   * `bitmaprenderer` for ImageBitmaps (a zero-copy hand-over), else `2d`; a canvas that already
   * has a 2d context (the caller's) keeps it.
   */
  #createContext(): CanvasRenderingContext2D | ImageBitmapRenderingContext | undefined {
    if (this.#decoder.kind === 'image-bitmap') {
      const renderer = this.canvas.getContext('bitmaprenderer');
      if (renderer) return renderer;
    }
    return this.canvas.getContext('2d', { alpha: false }) ?? undefined;
  }

  #emitStats(): void {
    const stats = this.stats;
    this.#options.onStats?.(stats);
    this.dispatchEvent(new CustomEvent('stats', { detail: stats }));
  }

  /** Browsers whose fetch cannot stream the body still render multipart natively in `<img>`. */
  #enterImgMode(): void {
    if (this.#state === 'destroyed') return;
    this.#stopSession();
    this.#imgMode = true;
    if (!this.#img) {
      const img = document.createElement('img');
      img.className = 'mjpeg-player-img';
      img.alt = '';
      img.addEventListener('load', () => this.#imgLoaded());
      img.addEventListener('error', () => {
        if (img.hasAttribute('src'))
          this.#emitError(new PlayerError('STREAM_FAILED', 'the <img> could not load the stream'));
      });
      if (this.#container) this.#container.append(img);
      else this.canvas.after(img);
      this.#img = img;
    }
    this.canvas.style.display = 'none';
    this.#img.style.display = '';
    if (this.#wantPlaying && !this.#isHidden()) this.#startImg();
  }

  #startImg(): void {
    const img = this.#img!;
    if (img.getAttribute('src') === this.#url) return;
    this.#setState('connecting');
    img.src = this.#url;
    this.#statsTimer ??= setInterval(
      () => this.#emitStats(),
      this.#options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS,
    );
  }

  #imgLoaded(): void {
    const img = this.#img;
    if (!img) return;
    this.#width = img.naturalWidth;
    this.#height = img.naturalHeight;
    if (this.#state === 'connecting') this.#setState('playing');
  }

  #leaveImgMode(): void {
    this.#imgMode = false;
    if (this.#img) {
      this.#img.removeAttribute('src');
      this.#img.remove();
      this.#img = undefined;
    }
    this.canvas.style.display = '';
  }
}

/** A frame's JPEG as the decoders take it: its pieces (no copy), or its body. */
function jpegOf(packet: MediaPacket | PiecesMediaPacket): JpegBytes {
  return 'pieces' in packet ? packet.pieces : packet.body;
}

/** An audio packet with one `body`, as the audio path reads samples (a single piece is not copied). */
function withBody(packet: MediaPacket | PiecesMediaPacket): MediaPacket {
  if (!('pieces' in packet)) return packet;
  const { pieces: _pieces, bodyLength: _bodyLength, ...fields } = packet;
  return { ...fields, body: contiguousBody(packet) };
}
