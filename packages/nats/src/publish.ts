import type { LifecycleOptions, MediaPacket, PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { headers as createHeaders, type Msg, type NatsConnection } from '@nats-io/nats-core';
import { clientOptions, connectNats, currentServer, type NatsConnectionOptions } from './connection.js';
import { NatsError } from './errors.js';
import { emptyStats, type NatsLinkStats } from './stats.js';
import { cameraSubjects, checkPositiveInt, checkSubject } from './subjects.js';
import { HEADER, HEADER_ROOM, packetMessages } from './wire.js';

/** Anything with `MjpegHub.subscribe`'s shape: `(listener) => unsubscribe`. `MjpegHub` satisfies it. */
export interface PacketPublisher {
  subscribe(listener: (packet: MediaPacket | PiecesMediaPacket) => void): () => void;
  readonly latestFrame?: MediaPacket | undefined;
}

export interface PublishToNatsOptions extends NatsConnectionOptions, LifecycleOptions {
  /** Subjects are `<prefix>.<camera>.video|audio|latest`. */
  prefix: string;
  camera: string;
  /** Largest payload per message; default and maximum: the server's `max_payload` minus 1 KiB for headers. */
  maxPieceBytes?: number;
  /** Bytes the client may hold unsent before frames are dropped instead (default 8 MiB). */
  maxBufferedBytes?: number;
}

export interface NatsPublisher {
  readonly stats: NatsLinkStats;
  /** Stops publishing, flushes (bounded, 2 s) and closes the connection. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const CLOSE_FLUSH_MS = 2000;

function isPacketPublisher(source: unknown): source is PacketPublisher {
  return typeof (source as PacketPublisher | null)?.subscribe === 'function';
}

/**
 * Bytes the client holds unsent: its own outbound buffer plus the socket's. nats.js keeps
 * publishing into its buffer while reconnecting and never pushes back, so this is read from
 * its internals where present (0 when not).
 */
function bufferedBytes(nc: NatsConnection): number {
  const protocol = (
    nc as unknown as {
      protocol?: { outbound?: { size?: () => number }; transport?: { socket?: { writableLength?: number } } };
    }
  ).protocol;
  const outbound = protocol?.outbound?.size?.() ?? 0;
  const socket = protocol?.transport?.socket?.writableLength ?? 0;
  return outbound + socket;
}

/**
 * Publishes a hub's (or any packet iterable's) frames and audio on `<prefix>.<camera>.video`
 * and `.audio`, and answers `<prefix>.<camera>.latest` requests with the latest frame. Never
 * waits for the bus: while disconnected or over `maxBufferedBytes`, packets are dropped and
 * counted. Resolves once connected; rejects with `CONNECT_FAILED` if the first connection
 * fails (afterwards the client reconnects by itself, forever).
 */
export async function publishToNats(
  source: PacketPublisher | AsyncIterable<MediaPacket | PiecesMediaPacket>,
  options: PublishToNatsOptions,
): Promise<NatsPublisher> {
  const prefix = checkSubject(options.prefix, 'prefix');
  const camera = checkSubject(options.camera, 'camera', true);
  if (options.maxPieceBytes !== undefined)
    checkPositiveInt(options.maxPieceBytes, 'maxPieceBytes', 1024, 64 * 1024 * 1024);
  const maxBuffered =
    options.maxBufferedBytes === undefined
      ? DEFAULT_MAX_BUFFERED_BYTES
      : checkPositiveInt(options.maxBufferedBytes, 'maxBufferedBytes', 0, 2 ** 31);
  if (
    !isPacketPublisher(source) &&
    typeof (source as AsyncIterable<unknown>)?.[Symbol.asyncIterator] !== 'function'
  ) {
    throw new NatsError(
      'INVALID_OPTION',
      'source: expected a hub (subscribe) or an async iterable of packets',
    );
  }
  const { signal, onStatus } = options;
  if (signal?.aborted) throw new NatsError('CONNECTION_CLOSED', 'aborted before connecting');
  const subjects = cameraSubjects(`${prefix}.${camera}`);
  const secrets = [options.pass, options.token];
  const stats = emptyStats(true);
  onStatus?.({ state: 'connecting' });
  const nc = await connectNats(clientOptions(options), secrets);
  stats.connected = true;
  stats.server = currentServer(nc);
  onStatus?.({ state: 'open' });

  let closed = false;
  let seq = 0;
  let latest: MediaPacket | PiecesMediaPacket | undefined = isPacketPublisher(source)
    ? source.latestFrame
    : undefined;
  let latestSeq = latest?.seq ?? 0;

  const pieceLimit = (): number => {
    const serverMax = (nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM;
    return Math.max(1024, Math.min(options.maxPieceBytes ?? serverMax, serverMax));
  };

  const send = (subject: string, packet: MediaPacket | PiecesMediaPacket, packetSeq: number): boolean => {
    try {
      for (const m of packetMessages(packet, packetSeq, pieceLimit()))
        nc.publish(subject, m.payload, { headers: m.headers });
      return true;
    } catch {
      return false;
    }
  };

  const onPacket = (packet: MediaPacket | PiecesMediaPacket): void => {
    if (closed) return;
    const video = packet.type === 'image/jpeg';
    const packetSeq = packet.seq ?? ++seq;
    if (video) {
      stats.framesIn++;
      latest = packet;
      latestSeq = packetSeq;
    } else stats.audioIn++;
    const size = 'pieces' in packet ? packet.bodyLength : packet.body.length;
    const skip = !stats.connected || bufferedBytes(nc) + size > maxBuffered;
    if (skip || !send(video ? subjects.video : subjects.audio, packet, packetSeq)) {
      if (video) {
        stats.framesDropped++;
        stats.framesSkipped++;
      } else stats.audioDropped++;
      return;
    }
    if (video) stats.framesOut++;
    else stats.audioOut++;
    stats.bytes += size;
  };

  const answerLatest = (error: Error | null, msg: Msg): void => {
    if (error !== null || closed || msg.reply === undefined || msg.reply === '') return;
    stats.latestRequests++;
    if (latest === undefined || !send(msg.reply, latest, latestSeq)) {
      const h = createHeaders();
      h.set(HEADER.noFrame, '1');
      try {
        nc.publish(msg.reply, new Uint8Array(0), { headers: h });
      } catch {
        // Closed meanwhile: the requester times out and retries.
      }
    }
  };
  const latestSub = nc.subscribe(subjects.latest, { callback: answerLatest });

  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        stats.connected = false;
        if (!closed)
          onStatus?.({
            state: 'reconnecting',
            error: new NatsError('CONNECTION_CLOSED', 'NATS connection lost'),
          });
      } else if (s.type === 'reconnect') {
        stats.connected = true;
        stats.reconnects++;
        stats.server = currentServer(nc);
        onStatus?.({ state: 'open' });
      }
    }
  })().catch(() => {});

  let unsubscribe: () => void = () => {};
  if (isPacketPublisher(source)) {
    unsubscribe = source.subscribe(onPacket);
  } else {
    const iterator = source[Symbol.asyncIterator]();
    unsubscribe = () => {
      void iterator.return?.()?.catch(() => {});
    };
    void (async () => {
      while (!closed) {
        const r = await iterator.next();
        if (r.done === true) break;
        onPacket(r.value);
      }
    })().catch(() => {});
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      latestSub.unsubscribe();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        nc.flush().catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_FLUSH_MS);
        }),
      ]);
      clearTimeout(timer);
      await nc.close().catch(() => {});
      stats.connected = false;
      onStatus?.({ state: 'closed' });
    })();
    return closing;
  };
  const onAbort = (): void => {
    void close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return { stats, close };
}
