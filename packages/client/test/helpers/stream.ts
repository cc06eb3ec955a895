import type { MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import type { OpenStreamOptions } from '../../src/index.js';

/** Takes up to `count` packets, then breaks out of the loop (closing the stream). */
export async function take<P = MediaPacket>(stream: AsyncIterable<P>, count: number): Promise<P[]> {
  const packets: P[] = [];
  if (count === 0) return packets;
  for await (const packet of stream) {
    packets.push(packet);
    if (packets.length >= count) break;
  }
  return packets;
}

/** Options every test stream gets: a bounded lifetime, fast reconnects, recorded statuses. */
export function testOptions(overrides: OpenStreamOptions = {}, lifetimeMs = 8000) {
  const statuses: StatusEvent[] = [];
  const options: OpenStreamOptions = {
    signal: AbortSignal.timeout(lifetimeMs),
    reconnect: { minDelayMs: 20, maxDelayMs: 100 },
    idleTimeoutMs: 3000,
    connectTimeoutMs: 3000,
    ...overrides,
    onStatus: (event) => {
      statuses.push(event);
      overrides.onStatus?.(event);
    },
  };
  return { options, statuses };
}

/** Resolves after `ms`. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
