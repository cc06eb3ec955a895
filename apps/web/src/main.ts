import type { StatusEvent } from '@mjpeg-kit/bytes';
import { type DecoderKind, MjpegPlayer, type PlayerState, type PlayerStats } from '@mjpeg-kit/client/dom';
import { CameraGrid } from './camera-grid.js';
import { type CameraInfo, cameraUrl, fetchCameras } from './cameras.js';
import { pageProtocol, streamBudget } from './connection-budget.js';
import { diagnoseFetchFailure, isCrossOrigin, probeStatus } from './diagnose.js';
import { formatStats } from './format.js';
import { buildDataUrl, KEY_PARAM, resolveStreamUrl } from './page-urls.js';
import './styles.css';

declare global {
  interface Window {
    /** The page's player, for debugging from the console and for the end-to-end tests. */
    mjpegPlayer?: MjpegPlayer;
    /** The page's camera grid (its transport and tiles' counters), for debugging and the tests. */
    mjpegGrid?: CameraGrid;
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
const gridView = byId<HTMLElement>('grid-view');
const playerView = byId<HTMLElement>('player-view');
const cameraBar = byId<HTMLElement>('camera-bar');
const cameraTitle = byId<HTMLElement>('camera-title');
const backButton = byId<HTMLButtonElement>('back-to-grid');

// ?url= opens another stream, ?decoder= forces a decoder (image-bitmap, image-decoder, img),
// ?key= is the server's --key token, passed on to the data URLs of this page's own server,
// ?cam=NAME shows one camera of a server with several.
const query = new URLSearchParams(location.search);
const CAMERA_PARAM = 'cam';
// Relative to the page, not the origin's root: behind a proxy at /cam/ the feed is /cam/av.
// The camera view replaces it with that camera's /cams/NAME/av.
let defaultUrl = buildDataUrl('av', location.href);
const decoder = (query.get('decoder') ?? 'auto') as DecoderKind | 'auto';
/** `?transport=av|ws|img` pins the player's path (diagnosis, tests); otherwise `/ws` first. */
const transport = (['ws', 'av', 'img'] as const).find((name) => name === query.get('transport')) ?? 'auto';
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
  if (code === 'NETWORK' && player?.stats.transport === 'ws' && !isCrossOrigin(url, location.href)) {
    const answered = await probeStatus(url);
    if (answered === 401) {
      await explainFailure(
        url,
        Object.assign(new Error(error.message), { code: 'AUTH_FAILED', status: 401 }),
      );
      return;
    }
  }
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
    transport,
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

/** The server's cameras when it has several (the grid's), else empty. */
let cameras: CameraInfo[] = [];
/** The camera the player view shows, so the grid can put the focus back on its tile. */
let shownCamera: string | undefined;

function pageHref(change: (url: URL) => void): string {
  const next = new URL(location.href);
  change(next);
  return next.href;
}

function cameraPageHref(name: string): string {
  return pageHref((url) => {
    url.searchParams.delete('url');
    url.searchParams.set(CAMERA_PARAM, name);
  });
}

const grid = new CameraGrid(byId('tiles'), byId('grid-summary'), {
  pageUrl: () => location.href,
  budget: streamBudget(pageProtocol()),
  cameraPageHref,
  decoder,
  // ?grid=http keeps the grid on HTTP streams even when the server offers /ws.
  transport: query.get('grid') === 'http' ? 'http' : 'auto',
  onOpen: (camera) => {
    history.pushState({ fromGrid: true }, '', cameraPageHref(camera.name));
    // Inside the tile's click: the sound may start now, as autoplay rules require.
    showCamera(camera, camera.audio);
  },
});

window.mjpegGrid = grid;

function showGrid(): void {
  player?.destroy();
  player = undefined;
  window.mjpegPlayer = undefined;
  if (document.fullscreenElement) void document.exitFullscreen();
  playerView.hidden = true;
  gridView.hidden = false;
  document.title = 'mjpeg-kit cameras';
  grid.show(cameras);
  const tile =
    shownCamera === undefined ? null : gridView.querySelector<HTMLElement>(`[data-camera="${shownCamera}"]`);
  tile?.focus();
  shownCamera = undefined;
}

function showCamera(camera: CameraInfo, withSound: boolean): void {
  // The tiles' streams end first: the player needs one of the browser's connections.
  grid.stop();
  gridView.hidden = true;
  playerView.hidden = false;
  cameraBar.hidden = false;
  cameraTitle.textContent = camera.name;
  document.title = `${camera.name} · mjpeg-kit player`;
  shownCamera = camera.name;
  defaultUrl = cameraUrl(camera.name, 'av', location.href);
  urlInput.value = new URLSearchParams(location.search).get('url') ?? defaultUrl;
  start(urlInput.value);
  if (withSound && player?.audioEnabled === false) void toggleAudio();
  backButton.focus();
}

/** Shows what the address asks for: `?cam=NAME` that camera's player, otherwise the grid. */
function route(): void {
  const name = new URLSearchParams(location.search).get(CAMERA_PARAM);
  const camera = cameras.find((entry) => entry.name === name);
  if (camera) showCamera(camera, false);
  else showGrid();
}

backButton.addEventListener('click', () => {
  if ((history.state as { fromGrid?: boolean } | null)?.fromGrid) {
    history.back();
    return;
  }
  history.pushState(
    null,
    '',
    pageHref((url) => {
      url.searchParams.delete(CAMERA_PARAM);
      url.searchParams.delete('url');
    }),
  );
  showGrid();
});

// Escape leaves a camera for the grid (fullscreen takes Escape for itself first).
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || cameraBar.hidden || playerView.hidden || document.fullscreenElement) return;
  if (event.target instanceof HTMLInputElement) return;
  backButton.click();
});

/**
 * A server with one camera (or one without a camera list) gets the plain player, exactly as
 * before; with several, the grid (or the camera `?cam=` names). `?url=` always plays that URL.
 */
async function boot(): Promise<void> {
  if (query.has('url') && !query.has(CAMERA_PARAM)) {
    start(urlInput.value);
    return;
  }
  const listed = await fetchCameras(location.href);
  if (listed === undefined || listed.length < 2) {
    start(urlInput.value);
    return;
  }
  cameras = listed;
  window.addEventListener('popstate', route);
  route();
}

void boot();
