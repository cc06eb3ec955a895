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

type StatCounter = { name: string; help: string; stat: keyof MjpegHubStats };

/** Counters read straight from a hub's `stats`. */
const HUB_COUNTERS: readonly StatCounter[] = [
  { name: 'frames_in_total', help: 'Frames published to the camera by its source.', stat: 'framesPublished' },
  {
    name: 'frames_sent_total',
    help: 'Frames written to viewers (one per viewer per frame).',
    stat: 'framesSent',
  },
  {
    name: 'frames_skipped_total',
    help: 'Frames a viewer never got because a newer one replaced it first (slow viewers, fps caps).',
    stat: 'framesSkipped',
  },
  { name: 'bytes_sent_total', help: 'Bytes written to viewers, framing included.', stat: 'bytesSent' },
  {
    name: 'audio_packets_in_total',
    help: 'Audio packets published to the camera by its source.',
    stat: 'audioPacketsPublished',
  },
  {
    name: 'viewers_stalled_total',
    help: 'Viewers disconnected for not reading (stall timeout).',
    stat: 'viewersStalled',
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
  const labelNames = ['camera'] as const;

  for (const { name, help, stat } of HUB_COUNTERS) {
    new Counter({
      name: METRICS_PREFIX + name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const camera of cameras) this.inc({ camera: camera.name }, camera.hub.stats[stat] as number);
      },
    });
  }
  new Counter({
    name: `${METRICS_PREFIX}source_restarts_total`,
    help: "Reopens of the camera's sources after a failure (their own reconnects included).",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const camera of cameras) this.inc({ camera: camera.name }, restartsOf(camera));
    },
  });
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
  new Gauge({
    name: `${METRICS_PREFIX}source_up`,
    help: "Whether the camera's source is online (1) or not (0), as /state says.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const camera of cameras) this.set({ camera: camera.name }, camera.hub.source.online ? 1 : 0);
    },
  });
  new Gauge({
    name: `${METRICS_PREFIX}last_frame_age_seconds`,
    help: "Seconds since the camera's latest frame arrived (no sample before its first frame).",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      const now = nowMs();
      for (const camera of cameras) {
        const at = camera.hub.latestFrameAt;
        if (at !== undefined) this.set({ camera: camera.name }, Math.max(0, now - at) / 1000);
      }
    },
  });
  new Gauge({
    name: `${METRICS_PREFIX}source_fps`,
    help: 'Frames per second published to the camera, over the last two seconds.',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const camera of cameras) this.set({ camera: camera.name }, camera.hub.stats.fps);
    },
  });

  addLinkMetrics(registry, cameras);

  return {
    registry,
    contentType: registry.contentType,
    scrape: () => registry.metrics(),
  };
}

type LinkNumber = 'reconnects' | 'framesDropped' | 'piecesLost';

/** Per camera link (labels `camera`, `link`): connected, origin up, reconnects, frames dropped, pieces lost. */
function addLinkMetrics(registry: Registry, cameras: CameraRegistry): void {
  const labelNames = ['camera', 'link'] as const;
  const eachLink = (visit: (labels: { camera: string; link: string }, state: CameraLinkState) => void) => {
    for (const camera of cameras) {
      for (const link of camera.links ?? []) {
        const state = link.state;
        visit({ camera: camera.name, link: state.kind }, state);
      }
    }
  };
  new Gauge({
    name: `${METRICS_PREFIX}link_connected`,
    help: "Whether the camera's link (a NATS publisher or subscription) is connected (1) or not (0).",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      eachLink((labels, state) => this.set(labels, state.connected ? 1 : 0));
    },
  });
  new Gauge({
    name: `${METRICS_PREFIX}link_origin_up`,
    help: "Whether an edge's origin delivers over the link (1) or not (0).",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      eachLink((labels, state) => {
        if (state.originOnline !== undefined) this.set(labels, state.originOnline ? 1 : 0);
      });
    },
  });
  const counters: { name: string; help: string; key: LinkNumber }[] = [
    { name: 'link_reconnects_total', help: "Reconnects of the link's connection.", key: 'reconnects' },
    {
      name: 'link_frames_dropped_total',
      help: 'Frames the link gave up (a piece missing, or not sent).',
      key: 'framesDropped',
    },
    { name: 'link_pieces_lost_total', help: 'Pieces of frames lost on the link.', key: 'piecesLost' },
  ];
  for (const { name, help, key } of counters) {
    new Counter({
      name: METRICS_PREFIX + name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        eachLink((labels, state) => this.inc(labels, state[key]));
      },
    });
  }
}

function restartsOf(camera: Camera): number {
  let restarts = 0;
  for (const run of camera.runs) restarts += run.health.restarts;
  return restarts;
}
