import {
  backoffDelayMs,
  type LifecycleOptions,
  type MediaPacket,
  type PacketSource,
  sleep,
} from '@mjpeg-kit/bytes';
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import {
  clientOptions,
  connectNats,
  currentServer,
  type NatsConnectionOptions,
  scrub,
} from './connection.js';
import { NatsError } from './errors.js';
import { DEFAULT_MAX_AUDIO_MS, LatestQueue } from './queue.js';
import { emptyStats, type NatsLinkStats } from './stats.js';
import { cameraSubjects, checkPositiveInt, checkSubject } from './subjects.js';
import { HEADER, Reassembler, readMeta } from './wire.js';

export interface NatsSourceOptions extends NatsConnectionOptions, LifecycleOptions {
  /** `<prefix>.<camera>`: the source reads `.video` and `.audio` and asks `.latest`. */
  subject: string;
  /** Largest frame reassembled from pieces (default 16 MiB); a larger one is dropped. */
  maxFrameBytes?: number;
  /** Incomplete frames held at once per stream (default 4). */
  maxPendingFrames?: number;
  /** Audio held for a slow consumer, ms of samples (default 500). */
  maxAudioMs?: number;
  /** The origin counts as offline after this long without a packet or reply (default 5000). */
  originTimeoutMs?: number;
  /** Called when `stats.originOnline` changes. */
  onOrigin?: (online: boolean) => void;
}

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_PENDING_FRAMES = 4;
export const DEFAULT_ORIGIN_TIMEOUT_MS = 5000;
const RETRY = { minDelayMs: 250, maxDelayMs: 5000 };

/**
 * A camera published by {@link publishToNats}, from any NATS server of the cluster: its
 * frames and audio as an async generator. Asks the origin for its latest frame when it
 * connects and after every reconnect, so the first frame comes at once. Reconnects forever
 * (the client's server list, extended by cluster discovery). A slow consumer gets the newest
 * frame (older ones are dropped and counted) and at most `maxAudioMs` of audio. A frame with
 * a lost piece is dropped and counted, never yielded.
 */
export function natsSource(options: NatsSourceOptions): PacketSource<NatsLinkStats> {
  const base = checkSubject(options.subject, 'subject');
  const maxFrameBytes =
    options.maxFrameBytes === undefined
      ? DEFAULT_MAX_FRAME_BYTES
      : checkPositiveInt(options.maxFrameBytes, 'maxFrameBytes', 1, 1024 * 1024 * 1024);
  const maxPending =
    options.maxPendingFrames === undefined
      ? DEFAULT_MAX_PENDING_FRAMES
      : checkPositiveInt(options.maxPendingFrames, 'maxPendingFrames', 1, 64);
  const maxAudioMs =
    options.maxAudioMs === undefined
      ? DEFAULT_MAX_AUDIO_MS
      : checkPositiveInt(options.maxAudioMs, 'maxAudioMs', 1, 60_000);
  const originTimeoutMs =
    options.originTimeoutMs === undefined
      ? DEFAULT_ORIGIN_TIMEOUT_MS
      : checkPositiveInt(options.originTimeoutMs, 'originTimeoutMs', 100, 3_600_000);
  const connectOptions = clientOptions(options, { waitOnFirstConnect: false });
  const secrets = [options.pass, options.token];
  const subjects = cameraSubjects(base);
  const stats = emptyStats(false);
  const { signal, onStatus, onOrigin } = options;

  const generator = (async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    const queue = new LatestQueue(stats, maxAudioMs);
    const onAbort = (): void => queue.wake();
    signal?.addEventListener('abort', onAbort, { once: true });
    let nc: NatsConnection | undefined;
    let lastVideo: { seq: number; timestamp: number } | undefined;
    let heardAt = 0;
    const setOrigin = (online: boolean): void => {
      if (stats.originOnline === online) return;
      stats.originOnline = online;
      onOrigin?.(online);
    };
    const heard = (): void => {
      heardAt = performance.now();
      setOrigin(true);
    };
    const deliver = (packet: MediaPacket): void => {
      if (packet.type === 'image/jpeg') {
        // The latest-frame reply may repeat a frame that also came on the subject.
        if (
          lastVideo !== undefined &&
          packet.seq === lastVideo.seq &&
          packet.timestamp === lastVideo.timestamp
        )
          return;
        if (lastVideo !== undefined && packet.timestamp < lastVideo.timestamp && packet.seq! <= lastVideo.seq)
          return;
        lastVideo = { seq: packet.seq!, timestamp: packet.timestamp };
        stats.framesIn++;
      } else stats.audioIn++;
      stats.bytes += packet.body.length;
      queue.push(packet);
    };
    const handler = (reassembler: Reassembler, isReply: boolean) => (error: Error | null, msg: Msg) => {
      if (error !== null) return;
      if (isReply) {
        if (msg.headers?.hasError === true) {
          // 503 no responders: nobody answers `.latest`, so no origin publishes this camera.
          if (msg.headers.code === 503) setOrigin(false);
          return;
        }
        if (msg.headers?.get(HEADER.noFrame) === '1') {
          heard();
          return;
        }
      }
      const meta = readMeta(msg.headers);
      if (meta === undefined) {
        stats.framesDropped++;
        return;
      }
      heard();
      const packet = reassembler.push(meta, msg.data, performance.now());
      if (packet !== undefined) deliver(packet);
    };

    let attempt = 0;
    try {
      onStatus?.({ state: 'connecting' });
      while (!signal?.aborted) {
        try {
          nc = await connectNats(connectOptions, secrets);
        } catch (error) {
          attempt++;
          const delayMs = backoffDelayMs(attempt, RETRY);
          onStatus?.({ state: 'reconnecting', attempt, delayMs, error: error as Error });
          await sleep(delayMs, signal).catch(() => {});
          continue;
        }
        if (signal?.aborted) break;
        attempt = 0;
        const conn = nc;
        const video = new Reassembler(stats, maxFrameBytes, maxPending);
        const audio = new Reassembler(stats, maxFrameBytes, maxPending);
        const reply = new Reassembler(stats, maxFrameBytes, maxPending);
        const inbox = createInbox();
        const subs: Subscription[] = [
          conn.subscribe(subjects.video, { callback: handler(video, false) }),
          conn.subscribe(subjects.audio, { callback: handler(audio, false) }),
          conn.subscribe(inbox, { callback: handler(reply, true) }),
        ];
        let lastAsked = 0;
        const askLatest = (): void => {
          try {
            conn.publish(subjects.latest, new Uint8Array(0), { reply: inbox });
            stats.latestRequests++;
            lastAsked = performance.now();
          } catch {
            // Disconnected: asked again on reconnect.
          }
        };
        // The subscriptions reach the server before the request: both go down one connection in order.
        stats.connected = true;
        stats.server = currentServer(conn);
        heardAt = performance.now();
        onStatus?.({ state: 'open' });
        askLatest();
        const watchdog = setInterval(
          () => {
            const now = performance.now();
            video.expire(now);
            audio.expire(now);
            reply.expire(now);
            if (!stats.connected) return;
            if (now - heardAt > originTimeoutMs) setOrigin(false);
            // While the origin is silent, keep asking: its answer is the first frame when it returns.
            if (now - heardAt > originTimeoutMs / 2 && now - lastAsked > originTimeoutMs / 2) askLatest();
          },
          Math.min(1000, Math.max(50, originTimeoutMs / 4)),
        );
        const statusLoop = (async () => {
          for await (const s of conn.status()) {
            if (s.type === 'disconnect') {
              stats.connected = false;
              onStatus?.({
                state: 'reconnecting',
                error: new NatsError('CONNECTION_CLOSED', 'NATS connection lost'),
              });
            } else if (s.type === 'reconnecting') {
              // Counted by the client; nothing to report per attempt.
            } else if (s.type === 'reconnect') {
              stats.connected = true;
              stats.reconnects++;
              stats.server = currentServer(conn);
              // Pieces of a frame cut by the disconnect never complete.
              video.clear();
              audio.clear();
              reply.clear();
              heardAt = performance.now();
              onStatus?.({ state: 'open' });
              askLatest();
            }
          }
        })().catch(() => {});
        let connectionClosed = false;
        const closedPromise = conn.closed().then((error) => {
          connectionClosed = true;
          queue.wake();
          return error;
        });
        try {
          while (!signal?.aborted && !connectionClosed) {
            const packet = queue.shift();
            if (packet !== undefined) {
              if (packet.type === 'image/jpeg') stats.framesOut++;
              else stats.audioOut++;
              yield packet;
              continue;
            }
            await queue.wait();
          }
        } finally {
          clearInterval(watchdog);
          for (const sub of subs) sub.unsubscribe();
          stats.connected = false;
          if (!conn.isClosed()) await conn.close().catch(() => {});
          await statusLoop;
        }
        if (signal?.aborted) break;
        const error = await closedPromise;
        attempt++;
        const delayMs = backoffDelayMs(attempt, RETRY);
        onStatus?.({
          state: 'reconnecting',
          attempt,
          delayMs,
          error: new NatsError(
            'CONNECTION_CLOSED',
            `NATS connection closed${error ? `: ${scrub(error.message, secrets)}` : ''}`,
          ),
        });
        await sleep(delayMs, signal).catch(() => {});
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stats.connected = false;
      if (nc !== undefined && !nc.isClosed()) await nc.close().catch(() => {});
      onStatus?.({ state: 'closed' });
    }
  })();
  Object.defineProperty(generator, 'stats', { value: stats, enumerable: true });
  return generator as PacketSource<NatsLinkStats>;
}
