import type { MediaPacket } from '@mjpeg-kit/bytes';
import type { WsCameraOptions, WsStreamStats } from './camera.js';
import { openWsConnection, type WsConnectionOptions } from './connection.js';

/** Options of {@link openWsStream}: the connection's and the camera's (its `signal` and `onStatus` are the connection's). */
export interface OpenWsStreamOptions
  extends WsConnectionOptions,
    Pick<WsCameraOptions, 'audio' | 'fps' | 'credit' | 'onOnline'> {}

/** What {@link openWsStream} returns: iterate it once for packets; `stats` are live. */
export interface WsStream extends AsyncIterable<MediaPacket> {
  readonly stats: WsStreamStats;
}

/**
 * One camera over its own `/ws` connection, shaped like `openStream`: iteration ends when
 * `signal` aborts, or with a `StreamError` at the first failure with `reconnect: false`, or
 * at once for `UNKNOWN_CAMERA`, `VIEWER_LIMIT`, `SERVER_ERROR` and `PROTOCOL`. Breaking
 * out of the loop closes the socket. For several cameras share one {@link openWsConnection}.
 *
 * @example
 * ```ts
 * for await (const packet of openWsStream('ws://host:8080/ws', 'front', { audio: true, signal })) {
 *   if (packet.type === 'image/jpeg') show(packet.body);
 * }
 * ```
 */
export function openWsStream(url: string | URL, camera: string, options: OpenWsStreamOptions = {}): WsStream {
  const { audio, fps, credit, onOnline, onStatus, ...connectionOptions } = options;
  const connection = openWsConnection(url, { ...connectionOptions, ...(onStatus && { onStatus }) });
  const stream = connection.camera(camera, {
    ...(audio !== undefined && { audio }),
    ...(fps !== undefined && { fps }),
    ...(credit !== undefined && { credit }),
    ...(onOnline && { onOnline }),
  });
  let iterated = false;
  return {
    stats: stream.stats,
    [Symbol.asyncIterator]() {
      if (iterated) throw new TypeError('openWsStream: a stream can be iterated only once');
      iterated = true;
      return run();
    },
  };
  async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    try {
      yield* stream;
    } finally {
      connection.close();
    }
  }
}
