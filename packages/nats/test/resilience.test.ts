import { bytesEqual, type MediaPacket } from '@mjpeg-kit/bytes';
import { expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import { NATS_SERVER } from './cluster.js';
import { collect, frame, patterned, sleepMs, TestHub, useNatsCluster, waitFor } from './helpers.js';

describeWithTool(NATS_SERVER, 'natsSource resilience on a 3-node cluster', () => {
  const { cluster, onCleanup, startPublisher, startSource } = useNatsCluster(1024 * 1024);

  /** Publishes a frame every `ms` with bodies that identify their seq, until stopped. */
  function pump(hub: TestHub, ms: number, length = 300_000): { stop: () => void; seq: () => number } {
    let seq = 0;
    const timer = setInterval(() => hub.publish(frame(++seq, length, Date.now())), ms);
    onCleanup(() => clearInterval(timer));
    return { stop: () => clearInterval(timer), seq: () => seq };
  }

  it('reconnects to another node when its node is killed, and frames resume within 2 s, none broken', async () => {
    const hub = new TestHub();
    const publisher = await startPublisher(hub, 0, 'fo');
    // Only node 3 in the list: the other nodes come from cluster discovery.
    const { source, stop } = startSource('fo.a', 2);
    const p = pump(hub, 40, 1_500_000); // pieced frames, so a kill can cut one
    const before = await collect(source, (got) => got.length >= 5);
    expect(cluster.indexOf(source.stats.server)).toBe(2);
    expect(cluster.indexOf(publisher.stats.server)).toBe(0);
    await cluster.kill(2);
    const killedAt = performance.now();
    const after = await collect(
      source,
      (got) => got.some((f) => f.timestamp > Date.now() - 200 && got.length >= 3),
      5000,
    );
    const resumedMs = performance.now() - killedAt;
    p.stop();
    expect(resumedMs).toBeLessThan(2000);
    expect(source.stats.reconnects).toBe(1);
    expect(cluster.indexOf(source.stats.server)).not.toBe(2);
    for (const f of [...before, ...after])
      expect(bytesEqual(f.body, frame(f.seq!, 1_500_000).body)).toBe(true);
    console.log(
      `failover: frames resumed ${resumedMs.toFixed(0)} ms after the kill; dropped ${source.stats.framesDropped}, pieces lost ${source.stats.piecesLost}`,
    );
    await stop();
    await cluster.restart(2);
  }, 60_000);

  it('a publisher whose node dies drops frames while disconnected (counted), reconnects and publishes again', async () => {
    const hub = new TestHub();
    const publisher = await startPublisher(hub, 2, 'pd');
    const { source, stop } = startSource('pd.a', 0);
    const p = pump(hub, 10, 1000);
    await collect(source, (got) => got.length >= 3);
    await cluster.kill(2);
    await waitFor(() => publisher.stats.reconnects === 1, 5000, 'publisher reconnect');
    const seqAtReconnect = p.seq();
    const after = await collect(source, (got) => got.some((f) => f.seq! > seqAtReconnect), 5000);
    p.stop();
    expect(after.length).toBeGreaterThan(0);
    expect(publisher.stats.framesDropped).toBeGreaterThan(0);
    expect(publisher.stats.framesOut + publisher.stats.framesDropped).toBe(publisher.stats.framesIn);
    console.log(`publisher: ${publisher.stats.framesDropped} frames dropped while reconnecting at 100 fps`);
    await stop();
    await cluster.restart(2);
  }, 60_000);

  it('reports the origin offline when its publisher goes, and online with frames when it returns', async () => {
    const hub = new TestHub();
    let publisher = await startPublisher(hub, 0, 'off');
    const origin: boolean[] = [];
    const { source } = startSource('off.a', 1, {
      originTimeoutMs: 1000,
      onOrigin: (online) => origin.push(online),
    });
    const p = pump(hub, 50, 1000);
    await collect(source, (got) => got.length >= 3);
    expect(source.stats.originOnline).toBe(true);
    p.stop();
    await publisher.close();
    const goneAt = performance.now();
    // Keep reading so the generator runs; nothing may arrive.
    const reading = collect(source, (got) => got.length >= 1, 20_000);
    await waitFor(() => !source.stats.originOnline, 5000, 'origin offline');
    const offlineMs = performance.now() - goneAt;
    expect(source.stats.connected).toBe(true);
    publisher = await startPublisher(hub, 2, 'off');
    // Its latest frame is one the source already has (not repeated); new frames flow again.
    await waitFor(() => source.stats.originOnline, 5000, 'origin online again');
    const p2 = pump(hub, 50, 1000);
    const back = await reading;
    p2.stop();
    expect(back[0]!.type).toBe('image/jpeg');
    expect(source.stats.originOnline).toBe(true);
    expect(origin).toEqual([true, false, true]);
    console.log(
      `origin offline reported ${offlineMs.toFixed(0)} ms after the publisher closed (originTimeoutMs 1000)`,
    );
  }, 60_000);

  it('a slow consumer gets the newest frame and at most 500 ms of audio; older packets are dropped and counted', async () => {
    const hub = new TestHub();
    await startPublisher(hub, 0, 'slow');
    const { source } = startSource('slow.a', 1);
    hub.publish(frame(1, 100_000));
    const first = await collect(source, (got) => got.length >= 1);
    expect(first[0]!.seq).toBe(1);
    // The consumer now stops reading while 60 frames (100 kB each) and 2 s of audio arrive.
    const rss = process.memoryUsage().rss;
    for (let i = 2; i <= 61; i++) {
      hub.publish(frame(i, 100_000));
      const audio: MediaPacket = {
        type: 'audio/L16',
        body: patterned(320, i),
        timestamp: Date.now(),
        seq: i,
        sampleRate: 8000,
        channels: 1,
      };
      hub.publish(audio); // 20 ms each
      hub.publish({ ...audio, seq: 1000 + i, body: patterned(320, 1000 + i) });
      await sleepMs(5);
    }
    await waitFor(
      () => source.stats.framesIn + source.stats.audioIn >= 61 + 120,
      10_000,
      'everything received',
    );
    const got = await collect(source, (g) => g.some((p) => p.type === 'image/jpeg'));
    const frames = got.filter((p) => p.type === 'image/jpeg');
    const audio = got.filter((p) => p.type !== 'image/jpeg');
    expect(frames.map((f) => f.seq)).toEqual([61]);
    expect(audio.length).toBeLessThanOrEqual(25);
    expect(source.stats.framesSkipped).toBe(59);
    expect(source.stats.audioDropped).toBeGreaterThanOrEqual(95);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});
