/**
 * Latency on a slow link, in Node: the real server's 640×480 30 fps synthetic camera (~4 Mbit/s
 * with its audio) through a 2 Mbit/s throttling proxy, read over /ws with openWsStream and over
 * /av with openStream, each through a link of its own at the same time. Frame age = the moment
 * the consumer gets the frame minus the frame's timestamp (one host, one clock).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startThrottleProxy, type ThrottleProxy } from '../../../test-support/throttle-proxy.js';
import { requirements } from '../../../test-support/tools.js';
import { openStream, openWsStream, type WebSocketConstructor } from '../src/index.js';
import { type Child, startChild, waitForOutput } from './helpers/process.js';

const cliPath = fileURLToPath(new URL('../../../apps/server/dist/cli.js', import.meta.url));
const cli = requirements({ 'built server': cliPath });
const LINK_BITS_PER_SECOND = 2_000_000;
const WARMUP_MS = 3000;
const MEASURE_MS = 20_000;

interface Run {
  ages: number[];
  frameBytes: number;
  seconds: number;
}

/** Frame ages (ms) of the video frames `packets` yields inside the window after the warm-up. */
async function measure(
  packets: AsyncIterable<{ type: string; timestamp: number; body: Uint8Array }>,
  controller: AbortController,
): Promise<Run> {
  const startAt = Date.now() + WARMUP_MS;
  const endAt = startAt + MEASURE_MS;
  const stop = setTimeout(() => controller.abort(), WARMUP_MS + MEASURE_MS + 1000);
  const run: Run = { ages: [], frameBytes: 0, seconds: MEASURE_MS / 1000 };
  try {
    for await (const packet of packets) {
      const now = Date.now();
      if (now >= endAt) break;
      if (packet.type !== 'image/jpeg' || now < startAt) continue;
      run.ages.push(now - packet.timestamp);
      run.frameBytes += packet.body.length;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(stop);
    controller.abort();
  }
  return run;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(run: Run) {
  return {
    frames: run.ages.length,
    fps: Number((run.ages.length / run.seconds).toFixed(1)),
    p50: Math.round(percentile(run.ages, 50)),
    p95: Math.round(percentile(run.ages, 95)),
    max: Math.round(Math.max(...run.ages)),
    meanFrameBytes: Math.round(run.frameBytes / Math.max(1, run.ages.length)),
  };
}

describe.skipIf(cli.skip)(`a 2 Mbit/s link, /ws against /av (Node)${cli.reason}`, () => {
  let server: Child | undefined;
  let port = 0;
  const proxies: ThrottleProxy[] = [];

  beforeAll(async () => {
    cli.check();
    server = startChild(process.execPath, [
      cliPath,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--size',
      '640x480',
      '--fps',
      '30',
    ]);
    port = Number((await waitForOutput(server, /mjpeg-kit-server listening on http:\/\/[^\s/]+:(\d+)\//))[1]);
  });

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await server?.stop();
  });

  it(
    'keeps /ws frame age under 500 ms at p95 while /av, on an equal link, lags further behind',
    async () => {
      const link = () =>
        startThrottleProxy({ target: { port }, downstreamBitsPerSecond: LINK_BITS_PER_SECOND });
      const [wsLink, avLink] = await Promise.all([link(), link()]);
      proxies.push(wsLink, avLink);
      const wsController = new AbortController();
      const avController = new AbortController();
      const [ws, av] = await Promise.all([
        measure(
          openWsStream(`ws://127.0.0.1:${wsLink.port}/ws`, 'default', {
            WebSocket: WebSocket as unknown as WebSocketConstructor,
            audio: true,
            signal: wsController.signal,
          }),
          wsController,
        ),
        measure(openStream(`${avLink.url}av`, { signal: avController.signal }), avController),
      ]);
      const wsSummary = summary(ws);
      const avSummary = summary(av);
      const linkFps = LINK_BITS_PER_SECOND / 8 / avSummary.meanFrameBytes;
      console.log(
        `2 Mbit/s link (${linkFps.toFixed(1)} frames/s of ${avSummary.meanFrameBytes} B at most; source 30 fps):\n` +
          `  /ws ${JSON.stringify(wsSummary)}\n  /av ${JSON.stringify(avSummary)}`,
      );
      // The stream is about twice the link: a source at less than 1.5× would not test much.
      expect(avSummary.meanFrameBytes * 8 * 30).toBeGreaterThan(LINK_BITS_PER_SECOND * 1.5);
      expect(wsSummary.frames).toBeGreaterThan(MEASURE_MS / 1000);
      expect(avSummary.frames).toBeGreaterThan(MEASURE_MS / 1000);
      expect(wsSummary.p95).toBeLessThan(500);
      expect(avSummary.p95).toBeGreaterThan(wsSummary.p95);
    },
    (WARMUP_MS + MEASURE_MS) * 2 + 30_000,
  );
});
