import { nowMs } from '@mjpeg-kit/bytes';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Camera, CameraLinkState, CameraRegistry } from './cameras.js';
import type { MjpegHubStats } from './hub.js';

/** The prefix of every camera metric this server exposes. */
export const METRICS_PREFIX = 'mjpeg_kit_';

/** A `/metrics` registry over a server's cameras; values are read from the hubs at scrape time. */
export interface ServerMetrics {
  /** prom-client's own registry (not the global one: two servers in one process never clash). */
  readonly registry: Registry;
  /** The exposition, Prometheus text format 0.0.4. */
  scrape(): Promise<string>;
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
}

const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** A counter or gauge read at scrape time: `undefined` leaves that label set out of the scrape. */
interface ScrapedMetric<T> {
  kind: typeof Counter | typeof Gauge;
  name: string;
  help: string;
  value(of: T, nowMs: number): number | undefined;
}

const hubCounter = (name: string, help: string, stat: keyof MjpegHubStats): ScrapedMetric<Camera> => ({
  kind: Counter,
  name,
  help,
  value: (camera) => camera.hub.stats[stat] as number,
});

/** Per camera (label `camera`). */
const CAMERA_METRICS: readonly ScrapedMetric<Camera>[] = [
  hubCounter('frames_in_total', 'Frames published to the camera by its source.', 'framesPublished'),
  hubCounter('frames_sent_total', 'Frames written to viewers (one per viewer per frame).', 'framesSent'),
  hubCounter(
    'frames_skipped_total',
    'Frames a viewer never got because a newer one replaced it first (slow viewers, fps caps).',
    'framesSkipped',
  ),
  hubCounter('bytes_sent_total', 'Bytes written to viewers, framing included.', 'bytesSent'),
  hubCounter(
    'audio_packets_in_total',
    'Audio packets published to the camera by its source.',
    'audioPacketsPublished',
  ),
  hubCounter(
    'viewers_stalled_total',
    'Viewers disconnected for not reading (stall timeout).',
    'viewersStalled',
  ),
  {
    kind: Counter,
    name: 'source_restarts_total',
    help: "Reopens of the camera's sources after a failure (their own reconnects included).",
    value: restartsOf,
  },
  {
    kind: Gauge,
    name: 'source_up',
    help: "Whether the camera's source is online (1) or not (0), as /state says.",
    value: (camera) => (camera.hub.source.online ? 1 : 0),
  },
  {
    kind: Gauge,
    name: 'last_frame_age_seconds',
    help: "Seconds since the camera's latest frame arrived (no sample before its first frame).",
    value: ({ hub }, now) =>
      hub.latestFrameAt === undefined ? undefined : Math.max(0, now - hub.latestFrameAt) / 1000,
  },
  {
    kind: Gauge,
    name: 'source_fps',
    help: 'Frames per second published to the camera, over the last two seconds.',
    value: (camera) => camera.hub.stats.fps,
  },
];

/** Per camera link (labels `camera`, `link`). */
const LINK_METRICS: readonly ScrapedMetric<CameraLinkState>[] = [
  {
    kind: Gauge,
    name: 'link_connected',
    help: "Whether the camera's link (a NATS publisher or subscription) is connected (1) or not (0).",
    value: (state) => (state.connected ? 1 : 0),
  },
  {
    kind: Gauge,
    name: 'link_origin_up',
    help: "Whether an edge's origin delivers over the link (1) or not (0).",
    value: ({ originOnline }) => (originOnline === undefined ? undefined : originOnline ? 1 : 0),
  },
  {
    kind: Counter,
    name: 'link_reconnects_total',
    help: "Reconnects of the link's connection.",
    value: (state) => state.reconnects,
  },
  {
    kind: Counter,
    name: 'link_frames_dropped_total',
    help: 'Frames the link gave up (a piece missing, or not sent).',
    value: (state) => state.framesDropped,
  },
  {
    kind: Counter,
    name: 'link_pieces_lost_total',
    help: 'Pieces of frames lost on the link.',
    value: (state) => state.piecesLost,
  },
];

/**
 * Builds the `/metrics` registry of a server: per camera (label `camera`) the hub's counters,
 * viewers by transport (label `transport`), source up, restarts and last frame age; and
 * prom-client's default process metrics (CPU, RSS, event-loop lag, heap, handles). Every value
 * is read when scraped, from counters the hubs and runs keep anyway: nothing on the frame path.
 * Cameras added to the registry later appear at the next scrape.
 */
export function createServerMetrics(cameras: CameraRegistry): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges whose `_total` names break Prometheus's naming rules (promtool check metrics flags
  // them); the same numbers remain by type in nodejs_active_handles and nodejs_active_requests.
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);

  for (const metric of CAMERA_METRICS) {
    register(registry, metric, ['camera'], function* () {
      for (const camera of cameras) yield [{ camera: camera.name }, camera];
    });
  }
  for (const metric of LINK_METRICS) {
    register(registry, metric, ['camera', 'link'], function* () {
      for (const camera of cameras) {
        for (const { state } of camera.links ?? []) yield [{ camera: camera.name, link: state.kind }, state];
      }
    });
  }
  new Gauge({
    name: `${METRICS_PREFIX}viewers`,
    help: 'Connected viewers by transport (stream: /stream, av: /av, wav: /audio.wav, ws: /ws subscriptions).',
    labelNames: ['camera', 'transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const camera of cameras) {
        const counts = camera.hub.viewerCountsByKind();
        for (const [transport, count] of Object.entries(counts)) {
          this.set({ camera: camera.name, transport }, count);
        }
      }
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    scrape: () => registry.metrics(),
  };
}

/**
 * Registers `metric` as `METRICS_PREFIX + name`, its samples read at each scrape from what
 * `each` yields (a counter is reset and set to the running total the server keeps).
 */
function register<T, L extends string>(
  registry: Registry,
  { kind, name, help, value }: ScrapedMetric<T>,
  labelNames: readonly L[],
  each: () => Iterable<[Record<L, string>, T]>,
): void {
  new kind<L>({
    name: METRICS_PREFIX + name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      const metric = this as Counter<L> | Gauge<L>;
      metric.reset();
      const now = nowMs();
      for (const [labels, of] of each()) {
        const sample = value(of, now);
        if (sample === undefined) continue;
        if (metric instanceof Gauge) metric.set(labels, sample);
        else metric.inc(labels, sample);
      }
    },
  });
}

function restartsOf(camera: Camera): number {
  let restarts = 0;
  for (const run of camera.runs) restarts += run.health.restarts;
  return restarts;
}
