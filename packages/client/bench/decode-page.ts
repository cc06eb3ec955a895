/**
 * The decode bench's page and worker, as source text served by decode.ts (source text, not
 * functions: tsx's keepNames would wrap inner closures in a __name the page lacks).
 *
 * The page loads the frames (`frames.bin`, offsets in `frames.json`), then offers one every
 * 1000 / fps ms by its own clock to a newest-wins runner (one decode in flight, one frame waiting,
 * a replaced waiting frame is dropped: the player's LatestRunner). Mode `main`: the runner is on
 * the main thread, createImageBitmap(blob) then drawImage into the visible canvas. Mode `worker`:
 * each frame's bytes are copied and transferred to a Worker whose runner does the same into the
 * canvas's OffscreenCanvas (transferControlToOffscreen). Either way one copy of the bytes per
 * frame (Blob or slice), as the player's Blob of pieces. The first `warmup` frames are not counted.
 * The result is `window.__result`, a JSON string.
 */

/** The newest-wins runner, shared by both modes; `report(event)` gets drawn/dropped/failed per slot. */
const RUNNER = `
function makeRunner(context, report) {
  let busy = false;
  let waiting;
  const job = async ({ slot, bytes }) => {
    const started = performance.now();
    let bitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
    } catch (error) {
      report({ kind: 'failed', slot, error: String(error) });
      return;
    }
    const decodeMs = performance.now() - started;
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    report({ kind: 'drawn', slot, decodeMs, at: performance.timeOrigin + performance.now() });
  };
  const drain = async (item) => {
    busy = true;
    while (item) {
      await job(item);
      item = waiting;
      waiting = undefined;
    }
    busy = false;
  };
  return (item) => {
    if (!busy) return void drain(item);
    if (waiting) report({ kind: 'dropped', slot: waiting.slot });
    waiting = item;
  };
}
`;

export const WORKER_SOURCE = `${RUNNER}
let offer;
self.onmessage = ({ data }) => {
  if (data.type === 'init') {
    offer = makeRunner(data.canvas.getContext('2d'), (event) => self.postMessage(event));
    self.postMessage({ kind: 'ready' });
  } else offer({ slot: data.slot, bytes: new Uint8Array(data.buffer) });
};
`;

/** After the last frame is due, how long the page waits for the last decodes. */
const SETTLE_MS = 10_000;
const GAP_MS = 50;

export const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>decode bench</title></head>
<body style="margin:0;background:#000">
<canvas id="screen" width="1280" height="720" style="display:block"></canvas>
<script>
${RUNNER}
(async () => {
  const params = new URLSearchParams(location.search);
  const mode = params.get('mode');
  const frames = Number(params.get('frames'));
  const warmup = Number(params.get('warmup'));
  const period = 1000 / Number(params.get('fps'));
  const total = warmup + frames;
  const canvas = document.getElementById('screen');
  const fail = (error) => { window.__result ??= JSON.stringify({ error: String(error && error.message || error) }); };
  window.onerror = (message) => fail(message);
  window.onunhandledrejection = (event) => fail(event.reason);

  const offsets = await (await fetch('frames.json')).json();
  const all = new Uint8Array(await (await fetch('frames.bin')).arrayBuffer());

  const stats = { drawn: 0, dropped: 0, failed: 0, decodeMs: [], lastDrawnAt: 0, errors: [] };
  let accounted = 0;
  const onEvent = (event) => {
    if (event.kind === 'ready') return;
    accounted++;
    if (event.slot < warmup) return;
    if (event.kind === 'drawn') {
      stats.drawn++;
      stats.decodeMs.push(event.decodeMs);
      stats.lastDrawnAt = Math.max(stats.lastDrawnAt, event.at);
    } else if (event.kind === 'dropped') stats.dropped++;
    else {
      stats.failed++;
      if (stats.errors.length < 3) stats.errors.push(event.error);
    }
  };

  let offer;
  if (mode === 'main') {
    offer = makeRunner(canvas.getContext('2d'), onEvent);
  } else {
    const worker = new Worker('worker.js');
    worker.onerror = (event) => fail('worker: ' + (event.message || 'error'));
    const ready = new Promise((resolve) => {
      worker.onmessage = ({ data }) => {
        if (data.kind === 'ready') resolve();
        onEvent(data);
      };
    });
    const offscreen = canvas.transferControlToOffscreen();
    worker.postMessage({ type: 'init', canvas: offscreen }, [offscreen]);
    await ready;
    offer = ({ slot, bytes }) => {
      const buffer = bytes.slice().buffer;
      worker.postMessage({ type: 'frame', slot, buffer }, [buffer]);
    };
  }

  // Main-thread responsiveness over the measured window: requestAnimationFrame gaps.
  const gaps = [];
  let recording = false;
  let lastFrame = performance.now();
  const tick = (now) => {
    if (recording && now - lastFrame > ${GAP_MS}) gaps.push(now - lastFrame);
    lastFrame = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  // The page's own clock: slot i is due at t0 + i * period; a late timer offers every due slot
  // in order, and the runner keeps the newest, as a burst of network frames would.
  const t0 = performance.now() + 200;
  const windowStart = performance.timeOrigin + t0 + warmup * period;
  let next = 0;
  await new Promise((resolve) => {
    const deliver = () => {
      const now = performance.now();
      while (next < total && t0 + next * period <= now) {
        if (next === warmup) recording = true;
        offer({ slot: next, bytes: all.subarray(offsets[next], offsets[next + 1]) });
        next++;
      }
      if (next < total) setTimeout(deliver, Math.max(0, t0 + next * period - performance.now()));
      else resolve();
    };
    setTimeout(deliver, Math.max(0, t0 - performance.now()));
  });
  const settleBy = performance.now() + ${SETTLE_MS};
  while (accounted < total && performance.now() < settleBy) await new Promise((r) => setTimeout(r, 20));
  recording = false;
  const windowEnd = windowStart + frames * period;
  window.__result = JSON.stringify({
    ...stats,
    unaccounted: total - accounted,
    seconds: (Math.max(windowEnd, stats.lastDrawnAt) - windowStart) / 1000,
    gaps,
  });
})().catch((error) => {
  window.__result ??= JSON.stringify({ error: String(error && error.message || error) });
});
</script>
</body></html>
`;
