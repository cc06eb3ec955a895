import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { findTool } from '../../../test-support/tools.js';
import { bundleDomEntry } from './helpers/dom-bundle.js';

// The DOM player in Debian's Chromium, fed by a scripted stream (the `openStream` option), so each
// behaviour is tested without a server: drawing, skip-to-newest, visibility, destroy, <img> mode,
// snapshot and audio. apps/web/test/e2e.test.ts covers the real server and the real client.

// Under CI a missing Chromium fails the suite instead of skipping it.
const chromium = findTool(CHROMIUM_PATH);
// 127.0.0.1 is a secure context, which ImageDecoder and AudioWorklet require; requests never leave
// the page (page.route answers them).
const ORIGIN = 'http://127.0.0.1:9';

/** Page-side helpers: a scripted openStream, JPEG and PCM makers, a pixel probe. */
const HARNESS = `
window.harness = (() => {
  const opened = [];
  function openStream(url, options) {
    let wake = () => {};
    const stream = {
      url, options, queue: [], error: undefined,
      stats: { fps: 0, bitrateBps: 0, framesDropped: 0, latencyMs: undefined, parser: 'multipart' },
      push(packet) { stream.queue.push(packet); wake(); },
      fail(error, parser) { if (parser) stream.stats.parser = parser; stream.error = error; wake(); },
      async *[Symbol.asyncIterator]() {
        while (!options.signal.aborted) {
          if (stream.error) throw stream.error;
          if (stream.queue.length > 0) { yield stream.queue.shift(); continue; }
          await new Promise((resolve) => { wake = resolve; options.signal.addEventListener('abort', resolve, { once: true }); });
        }
      },
    };
    opened.push(stream);
    return stream;
  }
  async function jpeg(color, width = 64, height = 48) {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = color;
    context.fillRect(0, 0, width, height);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 });
    return new Uint8Array(await blob.arrayBuffer());
  }
  function l16Sine(frequencyHz, sampleRate, samples, amplitude = 0.5) {
    const body = new Uint8Array(samples * 2);
    const view = new DataView(body.buffer);
    for (let i = 0; i < samples; i++) view.setInt16(i * 2, Math.round(Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate) * amplitude * 32767), false);
    return body;
  }
  function pixel(source) {
    const probe = document.createElement('canvas');
    probe.width = 1;
    probe.height = 1;
    const context = probe.getContext('2d', { willReadFrequently: true });
    context.drawImage(source, source.width / 2 - 0.5, source.height / 2 - 0.5, 1, 1, 0, 0, 1, 1);
    return Array.from(context.getImageData(0, 0, 1, 1).data.slice(0, 3));
  }
  return { opened, openStream, jpeg, l16Sine, pixel, Dom: window.MjpegKitDom };
})();
`;

/** What page functions see; they run in the browser, so they cast `window` themselves. */
interface StreamHandle {
  url: string;
  options: { signal: AbortSignal; bodies?: string; onStatus(event: { state: string }): void };
  stats: { parser: string; fps: number };
  push(
    packet: { type: string; timestamp: number; seq?: number; sampleRate?: number } & (
      | { body: Uint8Array }
      | { pieces: Uint8Array[]; bodyLength: number }
    ),
  ): void;
  fail(error: Error, parser?: string): void;
}
interface Harness {
  opened: StreamHandle[];
  openStream: unknown;
  jpeg(color: string, width?: number, height?: number): Promise<Uint8Array>;
  l16Sine(frequencyHz: number, sampleRate: number, samples: number, amplitude?: number): Uint8Array;
  pixel(source: CanvasImageSource & { width: number; height: number }): number[];
  Dom: typeof import('../src/dom.js');
}
type HarnessWindow = Window & {
  harness: Harness;
  player: import('../src/dom.js').MjpegPlayer;
  log: unknown[];
  /** ImageBitmaps closed since {@link startWithSound}. */
  closedBitmaps: number;
  /** Pushes decoded pictures stamped `lagMs` ahead of the audio clock, `gapMs` apart; resolves to their push times. */
  pushAhead(count: number, lagMs: number, gapMs: number): Promise<number[]>;
  /** Resolves once the audio clock runs (bounded). */
  clockRunning(): Promise<boolean>;
};

describe.skipIf(chromium.skip)(`MjpegPlayer in Chromium with a scripted stream${chromium.label}`, () => {
  let browser: Browser;
  let bundle: string;

  beforeAll(async () => {
    chromium.assertPresent();
    bundle = `${await bundleDomEntry()}\n${HARNESS}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage();
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/dom.js') return route.fulfill({ contentType: 'text/javascript', body: bundle });
      return route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><body><div id="box"></div><canvas id="canvas"></canvas><script src="/dom.js"></script>',
      });
    });
    await page.goto(`${ORIGIN}/`);
    return page;
  }

  it('draws at the next paint, once per paint: a picture replaced before it is skipped, not drawn', async () => {
    const page = await openPage();
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { harness } = w;
      // Paints run only when the test says so.
      const paints: FrameRequestCallback[] = [];
      window.requestAnimationFrame = (callback) => paints.push(callback);
      const paint = () => {
        for (const callback of paints.splice(0)) callback(performance.now());
      };
      const drawn: number[] = [];
      const player = new harness.Dom.MjpegPlayer(document.getElementById('canvas') as HTMLCanvasElement, {
        url: 'http://camera.test/stream',
        decoder: 'image-bitmap',
        openStream: harness.openStream as never,
        onFrame: (info) => drawn.push(info.seq ?? -1),
      });
      const stream = harness.opened[0]!;
      const decoded = async (count: number) => {
        const deadline = Date.now() + 5000;
        while (player.stats.framesDecoded < count && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
      };
      stream.push({ type: 'image/jpeg', body: await harness.jpeg('#f00'), timestamp: Date.now(), seq: 1 });
      await decoded(1);
      const beforePaint = [...drawn];
      stream.push({ type: 'image/jpeg', body: await harness.jpeg('#00f'), timestamp: Date.now(), seq: 2 });
      await decoded(2);
      const requested = paints.length;
      paint();
      const afterPaint = [...drawn];
      const pixel = harness.pixel(player.canvas);
      paint();
      const { framesDrawn, framesSkipped } = player.stats;
      player.destroy();
      return { beforePaint, requested, afterPaint, pixel, framesDrawn, framesSkipped, drawn };
    });
    expect(result.beforePaint).toEqual([]);
    expect(result.requested).toBe(1);
    expect(result.afterPaint).toEqual([2]);
    expect(result.pixel[2]).toBeGreaterThan(200);
    expect(result.pixel[0]).toBeLessThan(50);
    expect(result.drawn).toEqual([2]);
    expect(result.framesDrawn).toBe(1);
    expect(result.framesSkipped).toBe(1);
    await page.close();
  });

  it.each(['image-bitmap', 'image-decoder', 'img'] as const)(
    'draws frames with the %s decoder and snapshots the JPEG',
    async (decoder) => {
      const page = await openPage();
      const result = await page.evaluate(async (decoder) => {
        const w = window as unknown as HarnessWindow;
        const { harness } = w;
        const drawn: number[] = [];
        const player = new harness.Dom.MjpegPlayer(document.getElementById('canvas') as HTMLCanvasElement, {
          url: 'http://camera.test/stream',
          decoder,
          openStream: harness.openStream as never,
          onFrame: (info) => drawn.push(info.seq ?? -1),
        });
        const stream = harness.opened[0]!;
        const red = await harness.jpeg('#ff0000', 80, 60);
        stream.push({ type: 'image/jpeg', body: red, timestamp: Date.now(), seq: 1 });
        const deadline = Date.now() + 5000;
        while (drawn.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const first = harness.pixel(player.canvas);
        const blue = await harness.jpeg('#0000ff', 80, 60);
        stream.push({ type: 'image/jpeg', body: blue, timestamp: Date.now(), seq: 2 });
        while (drawn.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const second = harness.pixel(player.canvas);
        const snapshot = new Uint8Array(await (await player.snapshot()).arrayBuffer());
        const stats = player.stats;
        return {
          drawn,
          first,
          second,
          size: [player.canvas.width, player.canvas.height],
          snapshotMatches: snapshot.length === blue.length && snapshot.every((b, i) => b === blue[i]),
          decoder: stats.decoder,
          state: player.state,
          url: stream.url,
        };
      }, decoder);
      expect(result.drawn).toEqual([1, 2]);
      expect(result.first[0]).toBeGreaterThan(200);
      expect(result.first[2]).toBeLessThan(50);
      expect(result.second[2]).toBeGreaterThan(200);
      expect(result.second[0]).toBeLessThan(50);
      expect(result.size).toEqual([80, 60]);
      expect(result.snapshotMatches).toBe(true);
      expect(result.decoder).toBe(decoder);
      expect(result.state).toBe('playing');
      expect(result.url).toBe('http://camera.test/stream');
      await page.close();
    },
  );

  it.each(['image-bitmap', 'image-decoder', 'img'] as const)(
    "asks for bodies: 'pieces' and draws pieces packets (no body) with the %s decoder; the snapshot is the joined JPEG",
    async (decoder) => {
      const page = await openPage();
      const result = await page.evaluate(async (decoder) => {
        const w = window as unknown as HarnessWindow;
        const { harness } = w;
        const drawn: number[] = [];
        const player = new harness.Dom.MjpegPlayer(document.getElementById('canvas') as HTMLCanvasElement, {
          url: 'http://camera.test/stream',
          decoder,
          openStream: harness.openStream as never,
          onFrame: (info) => drawn.push(info.seq ?? -1),
        });
        const stream = harness.opened[0]!;
        // Cut where a parser would: a 1-byte first piece, one inside the entropy-coded data, the rest.
        const asPieces = (jpeg: Uint8Array) => {
          const cuts = [0, 1, Math.floor(jpeg.length / 2), jpeg.length - 1, jpeg.length];
          return cuts.slice(1).map((end, i) => jpeg.subarray(cuts[i], end));
        };
        const deadline = Date.now() + 5000;
        const red = await harness.jpeg('#ff0000', 80, 60);
        stream.push({
          type: 'image/jpeg',
          pieces: asPieces(red),
          bodyLength: red.length,
          timestamp: Date.now(),
          seq: 1,
        });
        while (drawn.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const first = harness.pixel(player.canvas);
        const blue = await harness.jpeg('#0000ff', 80, 60);
        stream.push({
          type: 'image/jpeg',
          pieces: asPieces(blue),
          bodyLength: blue.length,
          timestamp: Date.now(),
          seq: 2,
        });
        while (drawn.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const second = harness.pixel(player.canvas);
        const snapshot = new Uint8Array(await (await player.snapshot()).arrayBuffer());
        const { decodeErrors } = player.stats;
        player.destroy();
        return {
          bodies: stream.options.bodies,
          drawn,
          first,
          second,
          decodeErrors,
          snapshotMatches: snapshot.length === blue.length && snapshot.every((b, i) => b === blue[i]),
        };
      }, decoder);
      expect(result.bodies).toBe('pieces');
      expect(result.drawn).toEqual([1, 2]);
      expect(result.first[0]).toBeGreaterThan(200);
      expect(result.first[2]).toBeLessThan(50);
      expect(result.second[2]).toBeGreaterThan(200);
      expect(result.second[0]).toBeLessThan(50);
      expect(result.decodeErrors).toBe(0);
      expect(result.snapshotMatches).toBe(true);
      await page.close();
    },
  );

  it('skips to the newest frame when decoding is slower than arrival, with one decode in flight', async () => {
    const page = await openPage();
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { harness } = w;
      let inFlight = 0;
      let maxInFlight = 0;
      const realCreate = window.createImageBitmap.bind(window);
      window.createImageBitmap = (async (source: ImageBitmapSource) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 100));
        try {
          return await realCreate(source);
        } finally {
          inFlight--;
        }
      }) as typeof createImageBitmap;
      const drawn: number[] = [];
      const player = new harness.Dom.MjpegPlayer(document.getElementById('canvas') as HTMLCanvasElement, {
        url: 'x',
        decoder: 'image-bitmap',
        openStream: harness.openStream as never,
        onFrame: (info) => drawn.push(info.seq!),
      });
      const stream = harness.opened[0]!;
      const body = await harness.jpeg('#00ff00');
      for (let seq = 1; seq <= 30; seq++) {
        stream.push({ type: 'image/jpeg', body, timestamp: Date.now(), seq });
        await new Promise((r) => setTimeout(r, 5));
      }
      const deadline = Date.now() + 5000;
      while (drawn.at(-1) !== 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const stats = player.stats;
      return { drawn, maxInFlight, decoded: stats.framesDecoded, skipped: stats.framesSkipped };
    });
    expect(result.maxInFlight).toBe(1);
    expect(result.drawn.at(-1)).toBe(30);
    expect(result.drawn[0]).toBe(1);
    // ~150 ms of arrivals against 100 ms decodes: a handful decoded, the rest skipped, none queued.
    expect(result.drawn.length).toBeLessThan(6);
    expect(result.decoded + result.skipped).toBe(30);
    expect([...result.drawn].sort((a, b) => a - b)).toEqual(result.drawn);
    await page.close();
  });

  it('aborts the stream while the page is hidden and reconnects when shown', async () => {
    const page = await openPage();
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { harness } = w;
      let visibility: DocumentVisibilityState = 'visible';
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
      const states: string[] = [];
      const player = new harness.Dom.MjpegPlayer(document.getElementById('box')!, {
        url: 'x',
        openStream: harness.openStream as never,
        onState: (state) => states.push(state),
      });
      const first = harness.opened[0]!;
      visibility = 'hidden';
      document.dispatchEvent(new Event('visibilitychange'));
      const abortedWhenHidden = first.options.signal.aborted;
      const openedWhileHidden = harness.opened.length;
      visibility = 'visible';
      document.dispatchEvent(new Event('visibilitychange'));
      const second = harness.opened[1];
      second?.push({ type: 'image/jpeg', body: await harness.jpeg('#fff'), timestamp: Date.now() });
      const deadline = Date.now() + 5000;
      while (player.state !== 'playing' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return {
        abortedWhenHidden,
        openedWhileHidden,
        opened: harness.opened.length,
        secondAborted: second?.options.signal.aborted,
        states,
        canvasInBox: document.querySelector('#box canvas') === player.canvas,
      };
    });
    expect(result).toEqual({
      abortedWhenHidden: true,
      openedWhileHidden: 1,
      opened: 2,
      secondAborted: false,
      states: ['connecting', 'hidden', 'connecting', 'playing'],
      canvasInBox: true,
    });
    await page.close();
  });

  it('releases everything on destroy()', async () => {
    const page = await openPage();
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { harness } = w;
      let closed = 0;
      const close = ImageBitmap.prototype.close;
      ImageBitmap.prototype.close = function (this: ImageBitmap) {
        closed++;
        close.call(this);
      };
      const player = new harness.Dom.MjpegPlayer(document.getElementById('box')!, {
        url: 'x',
        decoder: 'image-bitmap',
        openStream: harness.openStream as never,
        autoplay: true,
      });
      const stream = harness.opened[0]!;
      const body = await harness.jpeg('#123456');
      stream.push({ type: 'image/jpeg', body, timestamp: Date.now(), seq: 1 });
      const deadline = Date.now() + 5000;
      while (player.stats.framesDrawn < 1 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      // One frame decoding at the moment of destroy: its bitmap must still be closed.
      stream.push({ type: 'image/jpeg', body, timestamp: Date.now(), seq: 2 });
      await new Promise((r) => setTimeout(r, 0));
      player.destroy();
      await new Promise((r) => setTimeout(r, 300));
      document.dispatchEvent(new Event('visibilitychange'));
      let snapshotError = '';
      await player.snapshot().catch((error: { code: string }) => (snapshotError = error.code));
      player.play();
      return {
        aborted: stream.options.signal.aborted,
        opened: harness.opened.length,
        canvasGone: document.querySelector('#box canvas') === null,
        state: player.state,
        drawn: player.stats.framesDrawn,
        decoded: player.stats.framesDecoded,
        closed,
        snapshotError,
      };
    });
    expect(result).toMatchObject({
      aborted: true,
      opened: 1,
      canvasGone: true,
      state: 'destroyed',
      drawn: 1,
    });
    expect(result.closed).toBe(result.decoded);
    expect(result.snapshotError).toBe('DESTROYED');
    await page.close();
  });

  it("falls back to a plain <img> when the client reports parser 'img'", async () => {
    const page = await openPage();
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { harness } = w;
      const canvas = document.getElementById('canvas') as HTMLCanvasElement;
      const player = new harness.Dom.MjpegPlayer(canvas, {
        url: 'http://camera.test/video.mjpg',
        openStream: harness.openStream as never,
      });
      const error = Object.assign(new Error('this fetch cannot stream a multipart body; use an <img>'), {
        code: 'UNSUPPORTED_BODY',
      });
      harness.opened[0]!.fail(error, 'img');
      const deadline = Date.now() + 5000;
      while (player.mode !== 'img' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const img = player.image;
      const during = {
        mode: player.mode,
        src: img?.getAttribute('src'),
        afterCanvas: canvas.nextElementSibling === img,
        canvasHidden: canvas.style.display === 'none',
        parser: player.stats.parser,
        aborted: harness.opened[0]!.options.signal.aborted,
      };
      player.pause();
      const srcWhilePaused = img?.getAttribute('src') ?? null;
      player.destroy();
      return {
        during,
        srcWhilePaused,
        imgRemoved: !img?.isConnected,
        canvasShown: canvas.style.display === '',
      };
    });
    expect(result).toEqual({
      during: {
        mode: 'img',
        src: 'http://camera.test/video.mjpg',
        afterCanvas: true,
        canvasHidden: true,
        parser: 'img',
        aborted: true,
      },
      srcWhilePaused: null,
      imgRemoved: true,
      canvasShown: true,
    });
    await page.close();
  });

  it.each([false, true])(
    'plays L16 audio after enableAudio() (script processor: %s) and mutes',
    async (forceScriptProcessor) => {
      const page = await openPage();
      await page.evaluate(async (forceScriptProcessor) => {
        const w = window as unknown as HarnessWindow;
        const { harness } = w;
        w.player = new harness.Dom.MjpegPlayer(document.getElementById('canvas') as HTMLCanvasElement, {
          url: 'x',
          openStream: harness.openStream as never,
          audio: { forceScriptProcessor },
        });
        const button = document.createElement('button');
        button.id = 'sound';
        button.textContent = 'sound';
        button.onclick = () => void w.player.enableAudio();
        document.body.append(button);
      }, forceScriptProcessor);
      await page.click('#sound');
      const result = await page.evaluate(async () => {
        const w = window as unknown as HarnessWindow;
        const { harness, player } = w;
        const deadline = Date.now() + 5000;
        while (!player.audioEnabled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const stream = harness.opened[0]!;
        const start = Date.now();
        let sent = 0;
        // 20 ms packets of a 440 Hz tone at 16 kHz, paced in real time 100 ms ahead, as /av sends them.
        const pump = () => {
          while (sent * 20 <= Date.now() - start + 100) {
            stream.push({
              type: 'audio/L16',
              body: harness.l16Sine(440, 16000, 320),
              timestamp: start + sent * 20,
              sampleRate: 16000,
            });
            sent++;
          }
        };
        const pacer = setInterval(pump, 10);
        let level = 0;
        while (Date.now() < deadline && level < 0.1) {
          await new Promise((r) => setTimeout(r, 20));
          level = player.stats.audio?.level ?? 0;
        }
        // A picture stamped like the newest audio is held until that audio is audible.
        const framesBefore = player.stats.framesDrawn;
        stream.push({
          type: 'image/jpeg',
          body: await harness.jpeg('#808080'),
          timestamp: start + (sent - 1) * 20,
        });
        const frameDeadline = Date.now() + 3000;
        while (player.stats.framesDrawn === framesBefore && Date.now() < frameDeadline)
          await new Promise((r) => setTimeout(r, 20));
        const avDelayMs = player.stats.avDelayMs;
        player.mute();
        let mutedLevel = 1;
        const muteDeadline = Date.now() + 3000;
        while (Date.now() < muteDeadline && mutedLevel > 0.001) {
          await new Promise((r) => setTimeout(r, 20));
          mutedLevel = player.stats.audio?.level ?? 1;
        }
        clearInterval(pacer);
        const audio = player.stats.audio!;
        const contextBefore = (player as unknown as { muted: boolean }).muted;
        player.destroy();
        return {
          level,
          mutedLevel,
          avDelayMs,
          path: audio.path,
          source: audio.sourceSampleRateHz,
          muted: contextBefore,
        };
      });
      // A 0.5-amplitude sine has an RMS of ~0.35.
      expect(result.level).toBeGreaterThan(0.1);
      expect(result.mutedLevel).toBeLessThan(0.001);
      expect(result.path).toBe(forceScriptProcessor ? 'script-processor' : 'worklet');
      expect(result.source).toBe(16000);
      expect(result.muted).toBe(true);
      // The frame was ~100 ms ahead of the audible audio (pacing lead + jitter buffer).
      expect(result.avDelayMs).toBeGreaterThan(20);
      expect(result.avDelayMs).toBeLessThanOrEqual(300);
      await page.close();
    },
  );

  it('plays L16 audio that comes as pieces split inside a sample, joined before decoding', async () => {
    const page = await openPage();
    await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { harness } = w;
      w.player = new harness.Dom.MjpegPlayer(document.getElementById('canvas') as HTMLCanvasElement, {
        url: 'x',
        openStream: harness.openStream as never,
      });
      const button = document.createElement('button');
      button.id = 'sound';
      button.textContent = 'sound';
      button.onclick = () => void w.player.enableAudio();
      document.body.append(button);
    });
    await page.click('#sound');
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { harness, player } = w;
      const deadline = Date.now() + 5000;
      while (!player.audioEnabled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const stream = harness.opened[0]!;
      const start = Date.now();
      let sent = 0;
      // 20 ms of a 440 Hz tone at 16 kHz per packet, cut at byte 101: the middle of a sample.
      const pacer = setInterval(() => {
        while (sent * 20 <= Date.now() - start + 100) {
          const body = harness.l16Sine(440, 16000, 320);
          stream.push({
            type: 'audio/L16',
            pieces: [body.subarray(0, 101), body.subarray(101)],
            bodyLength: body.length,
            timestamp: start + sent * 20,
            sampleRate: 16000,
          });
          sent++;
        }
      }, 10);
      let level = 0;
      while (Date.now() < deadline && level < 0.1) {
        await new Promise((r) => setTimeout(r, 20));
        level = player.stats.audio?.level ?? 0;
      }
      clearInterval(pacer);
      const packets = player.stats.audio?.packets ?? 0;
      player.destroy();
      return { level, packets };
    });
    // A 0.5-amplitude sine has an RMS of ~0.35; a misjoined body would be noise or silence.
    expect(result.level).toBeGreaterThan(0.1);
    expect(result.level).toBeLessThan(0.5);
    expect(result.packets).toBeGreaterThan(0);
    await page.close();
  });

  /**
   * A player with sound on (enabled from a click), fed a 440 Hz L16 tone paced in real time into
   * whichever stream is open, with ImageBitmap closes counted.
   */
  async function startWithSound(page: Page, options: { maxAvDelayMs?: number } = {}): Promise<void> {
    await page.evaluate(async (options) => {
      const w = window as unknown as HarnessWindow;
      const { harness } = w;
      w.closedBitmaps = 0;
      const close = ImageBitmap.prototype.close;
      ImageBitmap.prototype.close = function (this: ImageBitmap) {
        w.closedBitmaps++;
        close.call(this);
      };
      w.player = new harness.Dom.MjpegPlayer(document.getElementById('canvas') as HTMLCanvasElement, {
        url: 'x',
        decoder: 'image-bitmap',
        openStream: harness.openStream as never,
        ...options,
      });
      const button = document.createElement('button');
      button.id = 'sound';
      button.textContent = 'sound';
      button.onclick = () => void w.player.enableAudio();
      document.body.append(button);
      const start = Date.now();
      let sent = 0;
      setInterval(() => {
        const stream = harness.opened.at(-1)!;
        while (sent * 20 <= Date.now() - start + 100) {
          stream.push({
            type: 'audio/L16',
            body: harness.l16Sine(440, 16000, 320),
            timestamp: start + sent * 20,
            sampleRate: 16000,
          });
          sent++;
        }
      }, 10);
      w.clockRunning = async () => {
        const deadline = Date.now() + 5000;
        while (w.player.audioClockMs === undefined && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        return w.player.audioClockMs !== undefined;
      };
      const body = await harness.jpeg('#808080');
      let seq = 0;
      w.pushAhead = async (count, lagMs, gapMs) => {
        const pushedAt: number[] = [];
        for (let i = 0; i < count; i++) {
          const stream = harness.opened.at(-1)!;
          const timestamp = (w.player.audioClockMs ?? Date.now()) + lagMs;
          pushedAt.push(Date.now());
          stream.push({ type: 'image/jpeg', body, timestamp, seq: ++seq });
          await new Promise((r) => setTimeout(r, gapMs));
        }
        return pushedAt;
      };
    }, options);
    await page.click('#sound');
    expect(await page.evaluate(() => (window as unknown as HarnessWindow).clockRunning())).toBe(true);
  }

  it('draws frames at the source rate, each held for its sound, when the audio clock lags 200 ms (#9)', async () => {
    const page = await openPage();
    await startWithSound(page);
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { player, harness } = w;
      harness.opened.at(-1)!.stats.fps = 15;
      const drawn: { seq: number; drawnAt: number }[] = [];
      player.addEventListener('frame', (event) => {
        const info = (event as CustomEvent<{ seq: number; drawnAt: number }>).detail;
        drawn.push({ seq: info.seq, drawnAt: info.drawnAt });
      });
      let maxHeld = 0;
      const sampler = setInterval(() => {
        maxHeld = Math.max(maxHeld, player.stats.framesDecoded - w.closedBitmaps);
      }, 2);
      // 15 fps for 2 s: each picture is due 200 ms after it arrives, three frame gaps later.
      const pushedAt = await w.pushAhead(30, 200, 66);
      await new Promise((r) => setTimeout(r, 400));
      clearInterval(sampler);
      const { framesDecoded, framesDrawn, framesSkipped } = player.stats;
      const heldMs = drawn.map(({ seq, drawnAt }) => drawnAt - pushedAt[seq - 1]!);
      player.destroy();
      return {
        seqs: drawn.map((d) => d.seq),
        heldMs,
        maxHeld,
        framesDecoded,
        framesDrawn,
        framesSkipped,
        closed: w.closedBitmaps,
      };
    });
    // Before the fix each picture was replaced before its 200 ms were up: nothing was drawn.
    // Most are drawn (the old code drew one): a paint slot lost to a busy CI host may skip a few.
    expect(result.framesDrawn).toBeGreaterThanOrEqual(18);
    expect(result.framesDrawn + result.framesSkipped).toBe(30);
    expect([...result.seqs].sort((a, b) => a - b)).toEqual(result.seqs);
    const heldMs = [...result.heldMs].sort((a, b) => a - b);
    expect(heldMs[Math.floor(heldMs.length / 2)]).toBeGreaterThan(150);
    expect(heldMs[Math.floor(heldMs.length / 2)]).toBeLessThan(300);
    // 300 ms at 15 fps is 5 frames, plus the one due now.
    expect(result.maxHeld).toBeLessThanOrEqual(6);
    expect(result.closed).toBe(result.framesDecoded);
    await page.close();
  });

  it('holds no more pictures than fit in maxAvDelayMs at the stream rate, closing the oldest as skipped (#9)', async () => {
    const page = await openPage();
    await startWithSound(page);
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { player, harness } = w;
      harness.opened.at(-1)!.stats.fps = 15;
      let maxHeld = 0;
      const sampler = setInterval(() => {
        maxHeld = Math.max(maxHeld, player.stats.framesDecoded - w.closedBitmaps);
      }, 2);
      // A burst after a stall: 20 pictures within 200 ms, all due 250 ms after arriving.
      await w.pushAhead(20, 250, 10);
      await new Promise((r) => setTimeout(r, 500));
      clearInterval(sampler);
      const { framesDecoded, framesDrawn, framesSkipped } = player.stats;
      player.destroy();
      return { maxHeld, framesDecoded, framesDrawn, framesSkipped, closed: w.closedBitmaps };
    });
    expect(result.maxHeld).toBe(6);
    expect(result.framesDrawn).toBeGreaterThanOrEqual(1);
    expect(result.framesDrawn + result.framesSkipped).toBe(20);
    expect(result.closed).toBe(result.framesDecoded);
    await page.close();
  });

  it('closes every held picture, uncounted, on reconnect, pause and destroy (#9)', async () => {
    const page = await openPage();
    await startWithSound(page, { maxAvDelayMs: 10_000 });
    const result = await page.evaluate(async () => {
      const w = window as unknown as HarnessWindow;
      const { player, harness } = w;
      const decoded = async (count: number) => {
        const deadline = Date.now() + 5000;
        while (player.stats.framesDecoded < count && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
      };
      const held = () => player.stats.framesDecoded - w.closedBitmaps;
      // Due 5 s after arriving: all of them are still held at each step.
      await w.pushAhead(4, 5000, 10);
      await decoded(4);
      const beforeReconnect = held();
      harness.opened.at(-1)!.options.onStatus({ state: 'reconnecting' });
      const afterReconnect = held();
      await w.clockRunning();
      await w.pushAhead(3, 5000, 10);
      await decoded(7);
      const beforePause = held();
      player.pause();
      const afterPause = held();
      player.play();
      await w.clockRunning();
      await w.pushAhead(2, 5000, 10);
      await decoded(9);
      const beforeDestroy = held();
      player.destroy();
      const { framesDecoded, framesDrawn, framesSkipped } = player.stats;
      return {
        beforeReconnect,
        afterReconnect,
        beforePause,
        afterPause,
        beforeDestroy,
        afterDestroy: held(),
        framesDecoded,
        framesDrawn,
        framesSkipped,
      };
    });
    expect(result).toEqual({
      beforeReconnect: 4,
      afterReconnect: 0,
      beforePause: 3,
      afterPause: 0,
      beforeDestroy: 2,
      afterDestroy: 0,
      framesDecoded: 9,
      framesDrawn: 0,
      framesSkipped: 0,
    });
    await page.close();
  });
});
