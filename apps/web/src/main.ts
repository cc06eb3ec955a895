import type { StatusEvent } from '@mjpeg-kit/bytes';
import { type DecoderKind, MjpegPlayer, type PlayerState, type PlayerStats } from '@mjpeg-kit/client/dom';
import { diagnoseFetchFailure, isCrossOrigin } from './diagnose.js';
import { formatStats } from './format.js';
import { buildDataUrl, KEY_PARAM, resolveStreamUrl } from './page-urls.js';
import './styles.css';

declare global {
  interface Window {
    /** The page's player, for debugging from the console and for the end-to-end tests. */
    mjpegPlayer?: MjpegPlayer;
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element as T;
}

const form = byId<HTMLFormElement>('source-form');
const urlInput = byId<HTMLInputElement>('url');
const stage = byId<HTMLElement>('stage');
const screen = byId<HTMLElement>('screen');
const message = byId<HTMLParagraphElement>('message');
const statsPanel = byId<HTMLElement>('stats');
const playButton = byId<HTMLButtonElement>('play');
const audioButton = byId<HTMLButtonElement>('audio');
const snapshotButton = byId<HTMLButtonElement>('snapshot');
const fullscreenButton = byId<HTMLButtonElement>('fullscreen');
const statsButton = byId<HTMLButtonElement>('toggle-stats');

// ?url= opens another stream, ?decoder= forces a decoder (image-bitmap, image-decoder, img),
// ?key= is the server's --key token, passed on to the data URLs of this page's own server.
const query = new URLSearchParams(location.search);
// Relative to the page, not the origin's root: behind a proxy at /cam/ the feed is /cam/av.
const defaultUrl = buildDataUrl('av', location.href);
const decoder = (query.get('decoder') ?? 'auto') as DecoderKind | 'auto';
urlInput.value = query.get('url') ?? defaultUrl;

let player: MjpegPlayer | undefined;
let diagnosing = false;

function showMessage(text: string | undefined): void {
  message.hidden = text === undefined;
  message.textContent = text ?? '';
}

function renderStats(stats: PlayerStats): void {
  for (const [name, value] of Object.entries(formatStats(stats))) byId(`stat-${name}`).textContent = value;
}

function renderState(state: PlayerState): void {
  const playing = state !== 'paused' && state !== 'error';
  playButton.textContent = playing ? 'Pause' : 'Play';
  playButton.setAttribute('aria-pressed', String(playing));
  stage.dataset.state = state;
  if (state === 'playing') showMessage(undefined);
  if (state === 'connecting' && !diagnosing && message.hidden) showMessage('Connecting…');
}

function renderAudio(): void {
  const on = player?.audioEnabled === true && !player.muted;
  audioButton.textContent = on ? 'Mute' : 'Sound on';
  audioButton.setAttribute('aria-pressed', String(on));
}

async function explainFailure(url: string, error: Error): Promise<void> {
  const code = (error as { code?: string }).code;
  const status = (error as { status?: number }).status;
  if (
    (code === 'HTTP_STATUS' || code === 'AUTH_FAILED') &&
    status === 401 &&
    !isCrossOrigin(url, location.href)
  ) {
    showMessage(
      query.has(KEY_PARAM)
        ? "The server refused this page's key (HTTP 401): open the page again with the current ?key=TOKEN. Retrying…"
        : 'The server needs a key (HTTP 401): open this page with ?key=TOKEN added to its address. Retrying…',
    );
    return;
  }
  if (code === 'HTTP_STATUS' || code === 'AUTH_FAILED') {
    showMessage(`The server answered HTTP ${status ?? '?'}; retrying…`);
    return;
  }
  if (code === 'IDLE_TIMEOUT' || code === 'CONNECT_TIMEOUT') {
    showMessage('The stream went silent; reconnecting…');
    return;
  }
  if (code === 'ENDED') {
    showMessage('The server ended the stream; reconnecting…');
    return;
  }
  if (!isCrossOrigin(url, location.href)) {
    showMessage(`Cannot reach the stream (${error.message}); retrying…`);
    return;
  }
  if (diagnosing) return;
  diagnosing = true;
  try {
    const failure = await diagnoseFetchFailure(url);
    if (player?.url !== url || player.state === 'playing') return;
    showMessage(
      failure === 'cors'
        ? `${new URL(url).host} answered, but does not allow this page to read the stream (CORS: no Access-Control-Allow-Origin). Relay it through mjpeg-kit-server --source ${url}, or allow this origin on the camera.`
        : `Cannot reach ${new URL(url).host}: the network or the server is down. Retrying…`,
    );
  } finally {
    diagnosing = false;
  }
}

function start(input: string): void {
  let url: string;
  try {
    url = resolveStreamUrl(input, location.href);
  } catch {
    showMessage(`Not a stream URL: ${input}`);
    return;
  }
  const audioWasOn = player?.audioEnabled === true;
  player?.destroy();
  showMessage('Connecting…');
  const created = new MjpegPlayer(screen, {
    url,
    decoder,
    onStats: renderStats,
    onState: renderState,
    onStatus: (event: StatusEvent) => {
      if (event.state === 'reconnecting' && event.error) void explainFailure(url, event.error);
    },
  });
  created.addEventListener('error', (event) => {
    const error = (event as CustomEvent<Error>).detail;
    if (created.state === 'error') showMessage(`Playback stopped: ${error.message}`);
  });
  created.addEventListener('state', () => {
    if (created.mode === 'img' && created.state !== 'paused') {
      showMessage(
        'This browser cannot stream the body with fetch: showing it in a plain <img> (video only, no stats).',
      );
    }
  });
  player = created;
  window.mjpegPlayer = created;
  renderState(created.state);
  if (audioWasOn) void toggleAudio();
  renderAudio();
}

async function toggleAudio(): Promise<void> {
  if (!player) return;
  try {
    if (!player.audioEnabled) await player.enableAudio();
    else if (player.muted) player.unmute();
    else player.mute();
  } catch (error) {
    showMessage(`Sound is unavailable: ${(error as Error).message}`);
  }
  renderAudio();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const url = urlInput.value.trim();
  const next = new URL(location.href);
  if (url === defaultUrl) next.searchParams.delete('url');
  else next.searchParams.set('url', url);
  history.replaceState(null, '', next);
  start(url);
});

playButton.addEventListener('click', () => {
  if (!player) return;
  if (player.state === 'paused' || player.state === 'error') player.play();
  else player.pause();
});

// enableAudio() must run inside the click: autoplay rules keep other AudioContexts suspended.
audioButton.addEventListener('click', () => void toggleAudio());

snapshotButton.addEventListener('click', async () => {
  if (!player) return;
  try {
    const blob = await player.snapshot();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `snapshot-${new Date().toISOString().replace(/[:.]/g, '-')}.jpg`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  } catch (error) {
    showMessage(`No snapshot: ${(error as Error).message}`);
  }
});

fullscreenButton.addEventListener('click', () => {
  if (document.fullscreenElement) void document.exitFullscreen();
  else void stage.requestFullscreen?.().catch(() => showMessage('Fullscreen is not available here.'));
});

statsButton.addEventListener('click', () => {
  statsPanel.hidden = !statsPanel.hidden;
  statsButton.setAttribute('aria-pressed', String(!statsPanel.hidden));
});

// Double-tap or double-click on the picture toggles fullscreen, as video players do.
stage.addEventListener('dblclick', () => fullscreenButton.click());

start(urlInput.value);
