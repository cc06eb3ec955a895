import { bytesEqual, type MediaPacket } from '@mjpeg-kit/bytes';
import { connect } from '@nats-io/transport-node';
import { expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import { natsSource } from '../src/index.js';
import { HEADER_ROOM, packetMessages } from '../src/wire.js';
import { NATS_SERVER } from './cluster.js';
import { collect, frame, patterned, sleepMs, TestHub, useNatsCluster, waitFor } from './helpers.js';

const MiB = 1024 * 1024;

describeWithTool(NATS_SERVER, 'publishToNats → natsSource on a 3-node cluster (max_payload 1 MiB)', () => {
  const { cluster, onCleanup, startPublisher, startSource } = useNatsCluster(MiB);

  it('carries video and audio byte-identical with timestamps, seq and audio format, publisher on node 1 and sources on nodes 2 and 3', async () => {
    const hub = new TestHub();
    const publisher = await startPublisher(hub, 0, 'rt');
    const s2 = startSource('rt.a', 1).source;
    const s3 = startSource('rt.a', 2).source;
    // Start both generators so their subscriptions exist before anything is published.
    const first2 = s2.next();
    const first3 = s3.next();
    await waitFor(() => s2.stats.connected && s3.stats.connected, 10_000, 'sources connected');
    await sleepMs(300); // interest propagates over the routes
    const sent: MediaPacket[] = [];
    // Both sources are read while publishing: an unread source keeps only the newest frame.
    const reading = [first2, first3].map(async (first, i) => {
      const source = i === 0 ? s2 : s3;
      const firstPacket = await first;
      return [firstPacket.value!, ...(await collect(source, (p) => p.length >= 9))];
    });
    for (let i = 1; i <= 5; i++) {
      const f = frame(i, 1000 + i * 37);
      const a: MediaPacket = {
        type: 'audio/L16',
        body: patterned(320, 100 + i),
        timestamp: f.timestamp + 0.5,
        seq: 1000 + i,
        sampleRate: 8000,
        channels: 1,
      };
      sent.push(f, a);
      hub.publish(f);
      hub.publish(a);
      await sleepMs(20);
    }
    const results = await Promise.all(reading);
    for (const [i, source] of [s2, s3].entries()) {
      const got = results[i]!;
      expect(got.map((p) => [p.type, p.seq, p.timestamp, p.sampleRate, p.channels])).toEqual(
        sent.map((p) => [
          p.type,
          p.seq,
          Number((p.timestamp / 1000).toFixed(6)) * 1000,
          p.sampleRate,
          p.channels,
        ]),
      );
      for (let i = 0; i < sent.length; i++) expect(bytesEqual(got[i]!.body, sent[i]!.body)).toBe(true);
      expect(source.stats.framesDropped).toBe(0);
    }
    expect(publisher.stats.framesOut).toBe(5);
    expect(publisher.stats.audioOut).toBe(5);
  });

  it('sends a 3 MiB frame as pieces under max_payload 1 MiB and reassembles it intact', async () => {
    const hub = new TestHub();
    await startPublisher(hub, 0, 'big');
    const { source } = startSource('big.a', 1);
    const first = source.next();
    await waitFor(() => source.stats.connected, 10_000, 'source connected');
    await sleepMs(300);
    const big = frame(7, 3 * MiB);
    hub.publish(big);
    await sleepMs(300); // not read yet, so a frame right behind it would replace it
    hub.publish(frame(8, 100));
    const r = await first;
    const got = [r.value!, ...(await collect(source, (p) => p.length >= 1))];
    expect(got[0]!.body.length).toBe(3 * MiB);
    expect(bytesEqual(got[0]!.body, big.body)).toBe(true);
    expect(got[0]!.seq).toBe(7);
    expect(got[1]!.seq).toBe(8);
    expect(source.stats.framesDropped).toBe(0);
    expect(source.stats.piecesLost).toBe(0);
  });

  it('drops only the frame with a missing piece and counts it', async () => {
    const nc = await connect({ servers: cluster.nodes[0]!.url });
    onCleanup(() => nc.close());
    const { source } = startSource('lost.a', 2);
    const first = source.next();
    await waitFor(() => source.stats.connected, 10_000, 'source connected');
    await sleepMs(300);
    const pieceBytes = MiB - HEADER_ROOM;
    const frames = [frame(1, 2.5 * MiB), frame(2, 2.5 * MiB), frame(3, 2.5 * MiB)];
    for (const f of frames) {
      const messages = packetMessages(f, f.seq!, pieceBytes);
      expect(messages.length).toBe(3);
      messages.forEach((m, i) => {
        if (f.seq === 2 && i === 1) return; // the lost piece
        nc.publish('lost.a.video', m.payload, { headers: m.headers });
      });
      await nc.flush();
      await sleepMs(300);
    }
    const r = await first;
    const got = [r.value!, ...(await collect(source, (p) => p.length >= 1))];
    expect(got.map((p) => p.seq)).toEqual([1, 3]);
    expect(bytesEqual(got[0]!.body, frames[0]!.body)).toBe(true);
    expect(bytesEqual(got[1]!.body, frames[2]!.body)).toBe(true);
    expect(source.stats.framesDropped).toBe(1);
    expect(source.stats.piecesLost).toBe(1);
  });

  it('gives a new subscriber the latest frame at once, before the next one is published', async () => {
    const hub = new TestHub();
    const publisher = await startPublisher(hub, 0, 'latest');
    hub.publish(frame(41, 2 * MiB)); // in pieces, to show the reply is pieced too
    await sleepMs(100);
    const started = performance.now();
    const { source } = startSource('latest.a', 2);
    const r = await collect(source, (p) => p.length >= 1, 5000);
    const ms = performance.now() - started;
    expect(r[0]!.seq).toBe(41);
    expect(bytesEqual(r[0]!.body, frame(41, 2 * MiB).body)).toBe(true);
    expect(ms).toBeLessThan(2000);
    expect(publisher.stats.latestRequests).toBeGreaterThanOrEqual(1);
    expect(source.stats.originOnline).toBe(true);
  });

  it('reports connecting, open and closed, and ends its iteration when the signal aborts', async () => {
    const controller = new AbortController();
    const states: string[] = [];
    const source = natsSource({
      servers: cluster.nodes[1]!.url,
      subject: 'abort.a',
      signal: controller.signal,
      onStatus: (e) => states.push(e.state),
    });
    const next = source.next();
    await waitFor(() => source.stats.connected, 10_000, 'connected');
    controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(states).toEqual(['connecting', 'open', 'closed']);
    expect(source.stats.connected).toBe(false);
  });

  it('retries a server that refuses, reporting reconnecting with attempt and delay, until aborted', async () => {
    const controller = new AbortController();
    const events: { state: string; attempt?: number; delayMs?: number; code?: string }[] = [];
    const source = natsSource({
      servers: 'nats://u:hunter2@127.0.0.1:1',
      subject: 'x.y',
      signal: controller.signal,
      onStatus: (e) =>
        events.push({
          state: e.state,
          attempt: e.attempt,
          delayMs: e.delayMs,
          code: (e.error as { code?: string })?.code,
        }),
    });
    const next = source.next();
    await waitFor(() => events.filter((e) => e.state === 'reconnecting').length >= 2, 10_000, 'two retries');
    controller.abort();
    expect((await next).done).toBe(true);
    const retries = events.filter((e) => e.state === 'reconnecting');
    expect(retries[0]).toMatchObject({ attempt: 1, code: 'CONNECT_FAILED' });
    expect(retries[1]!.attempt).toBe(2);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(250);
    expect(events.at(-1)!.state).toBe('closed');
    expect(JSON.stringify(source.stats)).not.toContain('hunter2');
  });

  it('publishes from an async iterable as well as from a hub', async () => {
    async function* frames() {
      for (let i = 1; i <= 3; i++) {
        yield frame(500 + i, 5000);
        await sleepMs(100);
      }
    }
    const { source } = startSource('iter.a', 2);
    const first = source.next();
    await waitFor(() => source.stats.connected, 10_000, 'connected');
    await sleepMs(300);
    const publisher = await startPublisher(frames(), 0, 'iter');
    const got = [(await first).value!, ...(await collect(source, (p) => p.length >= 2))];
    expect(got.map((p) => p.seq)).toEqual([501, 502, 503]);
    await publisher.close();
    expect(publisher.stats.connected).toBe(false);
  });
});
