/**
 * The server's side of NATS without a bus: `@mjpeg-kit/nats` replaced by a scripted stand-in,
 * so what the server does with its events, errors and stats can be driven exactly.
 */
import type { MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { MjpegHub } from '@mjpeg-kit/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../src/log.js';
import { NatsCameraPublisher, NatsCameraSource } from '../src/nats.js';

const PASS = 'hunter2-secret';

interface Script {
  stats: Record<string, unknown>;
  packets: MediaPacket[];
  /** Thrown by the source after its packets, when set. */
  error?: Error;
  status?: StatusEvent[];
  publishFailures: number;
  published: unknown[];
}
const script: Script = { stats: {}, packets: [], publishFailures: 0, published: [] };

vi.mock('@mjpeg-kit/nats', () => ({
  natsSource(options: { signal: AbortSignal; onStatus: (event: StatusEvent) => void }) {
    const stats = script.stats;
    async function* run() {
      for (const event of script.status ?? []) options.onStatus(event);
      for (const packet of script.packets) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield packet;
      }
      if (script.error !== undefined) throw script.error;
      await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }));
    }
    return Object.assign(run(), { stats });
  },
  async publishToNats(_hub: unknown, options: unknown) {
    script.published.push(options);
    if (script.publishFailures > 0) {
      script.publishFailures--;
      throw new Error(`Authorization Violation for nats://mjpeg:${PASS}@127.0.0.1:4222`);
    }
    return { stats: script.stats, close: async () => {} };
  },
}));

const spec = {
  kind: 'nats' as const,
  servers: ['127.0.0.1:4222'],
  user: 'mjpeg',
  pass: PASS,
  tls: false,
  subject: 'test.mjpeg.front',
};
const frame = (seq: number): MediaPacket => ({
  type: 'image/jpeg',
  body: new Uint8Array([0xff, 0xd8, seq, 0xff, 0xd9]),
  timestamp: 1000 + seq,
  seq,
});

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: (l) => lines.push(l), info: (l) => lines.push(l), warn: (l) => lines.push(l) };
}

afterEach(() => {
  Object.assign(script, {
    stats: {},
    packets: [],
    error: undefined,
    status: undefined,
    publishFailures: 0,
    published: [],
  });
});

describe('NatsCameraSource', () => {
  it('scrubs the password from status errors and from a thrown error; online only with packets', async () => {
    script.stats = {
      connected: true,
      server: `nats://mjpeg:${PASS}@127.0.0.1:4222`,
      reconnects: 1,
      framesDropped: 2,
      piecesLost: 3,
    };
    script.status = [
      { state: 'open' },
      { state: 'reconnecting', error: new Error(`lost nats://mjpeg:${PASS}@127.0.0.1:4222`), delayMs: 100 },
    ];
    script.packets = [frame(1)];
    script.error = Object.assign(new Error(`gave up on ${PASS}`), { code: 'CONNECT_FAILED' });
    const link = new NatsCameraSource(spec, 1000);
    const events: StatusEvent[] = [];
    const controller = new AbortController();
    const source = await link.open({ signal: controller.signal, onStatus: (event) => events.push(event) });
    const got: MediaPacket[] = [];
    let thrown: unknown;
    try {
      for await (const packet of source) {
        got.push(packet);
        expect(link.state.originOnline).toBe(true);
      }
    } catch (error) {
      thrown = error;
    }
    expect(got.map((packet) => packet.seq)).toEqual([1]);
    expect(events.map((event) => event.state)).toEqual(['reconnecting']);
    expect(events[0]!.error!.message).toBe('lost nats://mjpeg:***@127.0.0.1:4222');
    expect((thrown as Error).message).toBe('gave up on ***');
    expect((thrown as { code?: string }).code).toBe('CONNECT_FAILED');
    expect(link.state).toEqual({
      kind: 'nats-source',
      connected: true,
      server: 'nats://127.0.0.1:4222',
      reconnects: 1,
      framesDropped: 2,
      piecesLost: 3,
      originOnline: false,
    });
  });

  it('reports the origin offline after the timeout without packets, and counts earlier runs', async () => {
    script.stats = {
      connected: true,
      server: '127.0.0.1:4222',
      reconnects: 2,
      framesDropped: 1,
      piecesLost: 0,
    };
    script.packets = [frame(1)];
    const link = new NatsCameraSource(spec, 100);
    const events: StatusEvent[] = [];
    const controller = new AbortController();
    const iterator = (
      await link.open({ signal: controller.signal, onStatus: (event) => events.push(event) })
    )[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ seq: 1 });
    const pending = iterator.next();
    await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 2000 });
    expect(events[0]).toMatchObject({ state: 'reconnecting' });
    expect(events[0]!.error!.message).toBe('no frames from the origin on test.mjpeg.front for 0.1 s');
    expect(link.state.originOnline).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(events).toHaveLength(1); // once per silence, not once per timeout
    controller.abort();
    await iterator.return?.();
    await pending.catch(() => undefined);

    // A second run has fresh counters: the link adds the first run's.
    script.stats = { connected: true, reconnects: 1, framesDropped: 0, piecesLost: 4 };
    await link.open({ signal: new AbortController().signal, onStatus: () => {} });
    expect(link.state).toMatchObject({ reconnects: 3, framesDropped: 1, piecesLost: 4 });
  });
});

describe('NatsCameraPublisher', () => {
  it('retries a publisher that cannot connect, logging the error without the password', async () => {
    script.publishFailures = 1;
    script.stats = {
      connected: true,
      server: '127.0.0.1:4222',
      reconnects: 0,
      framesDropped: 0,
      piecesLost: 0,
    };
    const hub = new MjpegHub();
    const log = recordingLog();
    const publisher = new NatsCameraPublisher(
      hub,
      'front',
      { servers: ['127.0.0.1:4222'], user: 'mjpeg', pass: PASS, tls: false, prefix: 'test.mjpeg' },
      log,
    );
    expect(publisher.state).toMatchObject({ kind: 'nats-publish', connected: false });
    await vi.waitFor(() => expect(publisher.state.connected).toBe(true), { timeout: 3000 });
    expect(script.published).toHaveLength(2);
    expect(script.published[0]).toMatchObject({
      prefix: 'test.mjpeg',
      camera: 'front',
      user: 'mjpeg',
      pass: PASS,
    });
    expect(log.lines.join('\n')).toContain(
      'cannot publish test.mjpeg.front over NATS: Authorization Violation',
    );
    expect(log.lines.join('\n')).not.toContain(PASS);
    expect(publisher.state).not.toHaveProperty('originOnline');
    await publisher.close();
    await hub.close();
  });

  it('stops retrying when closed', async () => {
    script.publishFailures = 100;
    const hub = new MjpegHub();
    const publisher = new NatsCameraPublisher(
      hub,
      'front',
      { servers: ['127.0.0.1:4222'], tls: false, prefix: 'p' },
      recordingLog(),
    );
    await vi.waitFor(() => expect(script.published.length).toBeGreaterThanOrEqual(1));
    await publisher.close();
    const attempts = script.published.length;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(script.published.length).toBe(attempts);
    await hub.close();
  });
});
