import type { MediaPacket, PiecesMediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { nowMs } from '@mjpeg-kit/bytes';
import { openStream } from '../open-stream.js';
import type { WsCameraStream } from '../ws/camera.js';
import { openWsConnection, type WebSocketConstructor } from '../ws/connection.js';
import { PlayerError } from './errors.js';
import { followStreamStats } from './follow-stats.js';
import type { ClientStatsLike, PacketStream, PlayerStreamOptions } from './player-options.js';

/** How the player reads the stream: `auto` tries `/ws` and falls back to the URL over fetch, then `<img>`. */
export type PlayerTransport = 'auto' | 'ws' | 'av' | 'img';

/** Default `wsOpenTimeoutMs`: how long `auto` waits for the server's `hello` before falling back. */
export const DEFAULT_WS_OPEN_TIMEOUT_MS = 3000;

/** Where `/ws` carries the same pictures as a stream URL. */
export interface WsTarget {
  /** The `/ws` endpoint (`ws:` or `wss:`), with the stream URL's `key`. */
  url: string;
  /** The camera; `undefined`: the server's first (default) camera, from its `hello`. */
  camera: string | undefined;
  audio: boolean;
  fps: number | undefined;
}

/** What the transport choice reads from the player's options. */
export interface TransportChoice {
  transport?: PlayerTransport;
  wsUrl?: string | URL;
  camera?: string;
  wsOpenTimeoutMs?: number;
  WebSocket?: WebSocketConstructor;
}

/** Query parameters `/ws` honours; any other one asks for something only the HTTP stream serves. */
const WS_CARRIED_PARAMS: ReadonlySet<string> = new Set(['key', 'fps']);

/**
 * The `/ws` endpoint of an mjpeg-kit stream URL: `…/cams/NAME/{av,stream}` gives camera NAME
 * (audio for `av`), `…/av` the default camera with audio; the path before them is kept as the
 * prefix, `key` and `fps` are carried over. `undefined` for any other URL (another server's
 * stream, where `/ws` would only fail) or a URL with other query parameters.
 */
export function deriveWsTarget(url: string | URL, base?: string): WsTarget | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  // `/ws` carries a camera's frames and its audio as the server has them: a URL asking for
  // anything else (`audio=pcmu`, `raw=1`, `advance_headers=1` …) is served only over HTTP.
  for (const name of parsed.searchParams.keys()) if (!WS_CARRIED_PARAMS.has(name)) return undefined;
  const path = parsed.pathname;
  let prefix: string;
  let camera: string | undefined;
  let audio: boolean;
  const named = /^(.*)\/cams\/([^/]+)\/(av|stream)$/.exec(path);
  if (named) {
    prefix = named[1]!;
    try {
      camera = decodeURIComponent(named[2]!);
    } catch {
      return undefined;
    }
    audio = named[3] === 'av';
  } else {
    const av = /^(.*)\/av$/.exec(path);
    if (!av) return undefined;
    prefix = av[1]!;
    camera = undefined;
    audio = true;
  }
  const ws = new URL(`${prefix}/ws`, parsed);
  ws.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.username = parsed.username;
  ws.password = parsed.password;
  const key = parsed.searchParams.get('key');
  if (key !== null) ws.searchParams.set('key', key);
  const fpsParam = Number(parsed.searchParams.get('fps') ?? Number.NaN);
  const fps = Number.isFinite(fpsParam) && fpsParam >= 1 && fpsParam <= 120 ? fpsParam : undefined;
  return { url: ws.href, camera, audio, fps };
}

function absolute(url: string, base: string | undefined): string {
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

/** `/ws` endpoints whose probe failed, and when: `auto` goes straight to fetch for them a while. */
const failedProbes = new Map<string, number>();
const FAILED_PROBE_MEMORY_MS = 60_000;
const MAX_FAILED_PROBES = 64;

function probeFailedRecently(url: string): boolean {
  const at = failedProbes.get(url);
  if (at === undefined) return false;
  if (nowMs() - at < FAILED_PROBE_MEMORY_MS) return true;
  failedProbes.delete(url);
  return false;
}

function rememberFailedProbe(url: string): void {
  if (failedProbes.size >= MAX_FAILED_PROBES) failedProbes.delete(failedProbes.keys().next().value!);
  failedProbes.set(url, nowMs());
}

/** Forgets failed `/ws` probes (tests; a page that knows the server changed). */
export function forgetWsProbes(): void {
  failedProbes.clear();
}

/** The stream's live stats, with the path it took. */
export type TransportStats = ClientStatsLike & { readonly transport: 'ws' | 'av' | undefined };

/**
 * The player's default `openStream`: by `choice.transport`, `/ws` (see {@link deriveWsTarget}),
 * the URL over fetch (`openStream`), or, for `auto`, `/ws` when the server says `hello` within
 * `wsOpenTimeoutMs` and the URL over fetch otherwise. `auto` keeps to fetch when no `/ws` can be
 * derived, when there is no WebSocket, and when the page passes `headers` or `fetch` (a WebSocket
 * cannot carry them). `stats.transport` tells which path is playing.
 */
export function openPlayerTransport(
  url: string,
  options: PlayerStreamOptions,
  choice: TransportChoice,
): PacketStream & { readonly stats: TransportStats } {
  const transport = choice.transport ?? 'auto';
  const WebSocketImpl = choice.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined);
  const base = typeof location === 'undefined' ? undefined : location.href;
  let target: WsTarget | undefined;
  if (choice.wsUrl !== undefined) {
    const derived = deriveWsTarget(url, base);
    target = {
      url: new URL(choice.wsUrl, base).href,
      camera: choice.camera ?? derived?.camera,
      audio: derived?.audio ?? true,
      fps: derived?.fps,
    };
  } else {
    target = deriveWsTarget(url, base);
    if (target !== undefined && choice.camera !== undefined) target.camera = choice.camera;
  }
  if (transport === 'ws' && (target === undefined || WebSocketImpl === undefined)) {
    throw new PlayerError(
      'INVALID_OPTION',
      target === undefined
        ? `transport 'ws' needs an mjpeg-kit URL (…/av, …/cams/NAME/…) or wsUrl`
        : `transport 'ws' needs a WebSocket`,
      { option: 'transport' },
    );
  }
  const tryWs =
    WebSocketImpl !== undefined &&
    target !== undefined &&
    (transport === 'ws' ||
      (transport === 'auto' &&
        options.headers === undefined &&
        options.fetch === undefined &&
        !probeFailedRecently(target.url)));

  let current: { stats: ClientStatsLike } | undefined;
  let path: 'ws' | 'av' | undefined;
  const stats: TransportStats = followStreamStats(
    () => current,
    () => path,
  );

  async function* run(): AsyncGenerator<MediaPacket | PiecesMediaPacket, void, undefined> {
    if (tryWs) {
      const opened = await openWsCamera(target!, options, WebSocketImpl!, choice, transport === 'ws');
      if (opened !== undefined) {
        path = 'ws';
        current = opened.camera;
        try {
          yield* opened.camera;
        } finally {
          opened.close();
        }
        return;
      }
      if (options.signal.aborted) return;
      if (transport === 'ws')
        throw new PlayerError('STREAM_FAILED', `/ws (${target!.url}) could not be opened`);
      rememberFailedProbe(target!.url);
    }
    path = 'av';
    // openStream takes absolute URLs only; a page gives `/av`.
    const stream = openStream(absolute(url, base), options);
    current = stream;
    yield* stream;
  }

  return {
    stats,
    [Symbol.asyncIterator]: () => run(),
  };
}

/**
 * Opens `/ws` and subscribes the camera. Probing (`auto`): resolves `undefined` when the socket
 * fails, or says no `hello`, within the open timeout, or the camera is not in the `hello`; status
 * events start only once the camera is chosen, and from then the connection reconnects by itself.
 */
function openWsCamera(
  target: WsTarget,
  options: PlayerStreamOptions,
  WebSocketImpl: WebSocketConstructor,
  choice: TransportChoice,
  forced: boolean,
): Promise<{ camera: WsCameraStream; close: () => void } | undefined> {
  return new Promise((resolve) => {
    const controller = new AbortController();
    const onAbort = () => {
      controller.abort();
      settle(undefined);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const settle = (camera: WsCameraStream | undefined) => {
      if (settled) return;
      settled = true;
      if (camera === undefined) {
        controller.abort();
        options.signal.removeEventListener('abort', onAbort);
      }
      resolve(camera === undefined ? undefined : { camera, close: () => controller.abort() });
    };
    const timeoutMs = choice.wsOpenTimeoutMs ?? DEFAULT_WS_OPEN_TIMEOUT_MS;
    const forward = (event: StatusEvent) => {
      if (!controller.signal.aborted) options.onStatus(event);
    };
    const connection = openWsConnection(target.url, {
      WebSocket: WebSocketImpl,
      signal: controller.signal,
      connectTimeoutMs: timeoutMs,
      ...(options.reconnect !== undefined && { reconnect: options.reconnect }),
      ...(options.idleTimeoutMs !== undefined && { idleTimeoutMs: options.idleTimeoutMs }),
      onStatus: (event) => {
        if (settled) return;
        // Forced, the page sees the attempts; probing, the first failure means "no /ws here".
        if (forced) {
          if (event.state === 'closed') settle(undefined);
          else forward(event);
        } else if (event.state === 'reconnecting' || event.state === 'closed') {
          settle(undefined);
        }
      },
      onHello: (cameras) => {
        if (settled) return;
        const name = target.camera ?? cameras[0]?.name;
        if (name === undefined || (!forced && !cameras.some((camera) => camera.name === name))) {
          settle(undefined);
          return;
        }
        settle(
          connection.camera(name, {
            audio: target.audio,
            ...(target.fps !== undefined && { fps: target.fps }),
            onStatus: forward,
          }),
        );
      },
    });
    if (options.signal.aborted) onAbort();
  });
}
