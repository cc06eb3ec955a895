import { openWsConnection, StreamError, type WsCameraStream, type WsConnection } from '@mjpeg-kit/client';
import { followStreamStats, type PacketStream, type PlayerStreamOptions } from '@mjpeg-kit/client/dom';
import { buildDataUrl } from './page-urls.js';

/** Longest wait for the server's `hello` on `/ws` before the grid plays HTTP streams instead, ms. */
export const GRID_WS_OPEN_TIMEOUT_MS = 3000;
/** Frames each tile lets the server send ahead of its drawing. */
export const TILE_WS_CREDIT = 2;
/** Longest a tile waits for its previous subscription of the same camera to end, ms. */
const RESUBSCRIBE_WAIT_MS = 1000;

/**
 * Opens the page's own server's `/ws` (relative to the page, with its key) and resolves with the
 * connection once the server says `hello`, or `undefined` when it refuses the upgrade (a proxy
 * without WebSocket, an older server), there is no WebSocket here, or no `hello` comes within
 * `timeoutMs`; the failed connection is closed. From `hello` on the connection reconnects by itself.
 */
export function openGridConnection(
  pageUrl: string,
  timeoutMs = GRID_WS_OPEN_TIMEOUT_MS,
): Promise<WsConnection | undefined> {
  if (typeof WebSocket === 'undefined') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (opened: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!opened) connection.close();
      resolve(opened ? connection : undefined);
    };
    const timer = setTimeout(() => settle(false), timeoutMs + 500);
    const connection = openWsConnection(buildDataUrl('ws', pageUrl), {
      connectTimeoutMs: timeoutMs,
      onHello: () => settle(true),
      onStatus: (event) => {
        // Before the first hello, any failure means "no /ws here".
        if (event.state === 'reconnecting' || event.state === 'closed') settle(false);
      },
    });
  });
}

/**
 * A tile's `openStream` for `MjpegPlayer`: the camera's video from the shared connection, with
 * its own credit. Each session subscribes; the player ending it (pause, a hidden page, an
 * off-screen tile) unsubscribes. A new session can start before the old one's iteration has
 * finished unwinding, so the subscription is retried briefly while the old one is still open.
 */
export function wsTileStream(
  connection: WsConnection,
  camera: string,
): (url: string, options: PlayerStreamOptions) => PacketStream {
  return (_url, options) => {
    let current: WsCameraStream | undefined;
    const stats = followStreamStats(
      () => current,
      () => 'ws' as const,
    );
    async function* run() {
      const deadline = Date.now() + RESUBSCRIBE_WAIT_MS;
      for (;;) {
        try {
          current = connection.camera(camera, {
            credit: TILE_WS_CREDIT,
            signal: options.signal,
            onStatus: options.onStatus,
          });
          break;
        } catch (error) {
          const stillOpen = error instanceof StreamError && error.code === 'INVALID_OPTION';
          if (!stillOpen || Date.now() > deadline || options.signal.aborted) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      yield* current;
    }
    return { stats, [Symbol.asyncIterator]: () => run() };
  };
}
