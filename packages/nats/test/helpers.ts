import type { MediaPacket, PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { afterAll, beforeAll } from 'vitest';
import {
  type NatsPublisher,
  type NatsSourceOptions,
  natsSource,
  type PacketPublisher,
  publishToNats,
} from '../src/index.js';
import { NatsCluster } from './cluster.js';

/** A minimal hub: what `publishToNats` needs from `MjpegHub`. */
export class TestHub implements PacketPublisher {
  readonly #listeners = new Set<(p: MediaPacket | PiecesMediaPacket) => void>();
  latestFrame: MediaPacket | undefined;

  subscribe(listener: (p: MediaPacket | PiecesMediaPacket) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(packet: MediaPacket): void {
    if (packet.type === 'image/jpeg') this.latestFrame = packet;
    for (const l of this.#listeners) l(packet);
  }
}

/** A body whose bytes depend on `seed`, so a mixed-up or truncated frame cannot compare equal. */
export function patterned(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function frame(seq: number, length = 2000, timestamp = 1_700_000_000_000 + seq * 33.333): MediaPacket {
  return { type: 'image/jpeg', body: patterned(length, seq), timestamp, seq };
}

/** Reads packets from `source` until `until` returns true or `timeoutMs` passes (then throws). */
export async function collect(
  source: AsyncIterator<MediaPacket>,
  until: (packets: MediaPacket[]) => boolean,
  timeoutMs = 10_000,
): Promise<MediaPacket[]> {
  const packets: MediaPacket[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!until(packets)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms with ${packets.length} packets`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      source.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`timed out after ${timeoutMs} ms with ${packets.length} packets`);
    if (r.done === true) break;
    packets.push(r.value);
  }
  return packets;
}

/** Polls `check` every 20 ms until true, or throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Cleanup = () => Promise<unknown> | unknown;

/**
 * A 3-node cluster for one describe block: started before its tests; after them, everything the
 * tests registered (publishers and sources included) is closed, newest first, then the cluster stops.
 */
export function useNatsCluster(maxPayloadBytes = 1024 * 1024) {
  const cluster = new NatsCluster(3, maxPayloadBytes);
  const cleanups: Cleanup[] = [];

  beforeAll(async () => {
    await cluster.start();
  }, 30_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await cluster.stop();
  });

  /** Runs `cleanup` after the block's tests, before the cluster stops. */
  function onCleanup(cleanup: Cleanup): void {
    cleanups.push(cleanup);
  }

  /** Publishes `from` as camera `a` under `prefix` through node `node`; closed after the block. */
  async function startPublisher(
    from: Parameters<typeof publishToNats>[0],
    node: number,
    prefix: string,
  ): Promise<NatsPublisher> {
    const publisher = await publishToNats(from, { servers: cluster.nodes[node]!.url, prefix, camera: 'a' });
    onCleanup(() => publisher.close());
    return publisher;
  }

  /**
   * Reads `subject` through node `node` (only that node in the list; the others come from cluster
   * discovery). `stop` aborts and ends the source; it also runs after the block.
   */
  function startSource(
    subject: string,
    node: number,
    extra: Omit<NatsSourceOptions, 'servers' | 'subject' | 'signal'> = {},
  ) {
    const controller = new AbortController();
    const source = natsSource({
      servers: cluster.nodes[node]!.url,
      subject,
      signal: controller.signal,
      ...extra,
    });
    const stop = async (): Promise<void> => {
      controller.abort();
      await source.return();
    };
    onCleanup(stop);
    return { source, stop };
  }

  return { cluster, onCleanup, startPublisher, startSource };
}
