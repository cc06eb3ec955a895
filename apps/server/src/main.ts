import type { Server } from 'node:http';
import {
  type CameraLink,
  CameraRegistry,
  createMjpegHandler,
  formatViewerEvent,
  MjpegHub,
  runSource,
  type SourceRun,
  shutdownGracefully,
} from '@mjpeg-kit/server';
import { type CameraConfig, camerasOf, type ServerConfig } from './args.js';
import { listen } from './listen.js';
import { type Logger, logAtLevel } from './log.js';
import { NatsCameraPublisher } from './nats.js';
import { audioSource, cappedVideoSource, checkSources } from './sources.js';
import { isRelaySource } from './specs.js';
import { resolveWebRoot } from './web-root.js';

/** The server could not start listening or read its TLS files: exit status 1. */
export class StartError extends Error {
  override name = 'StartError';
}

/** A listening server and its sources. */
export interface RunningServer {
  /** `http://HOST:PORT/` with the bound port (`https://` with TLS). */
  url: string;
  server: Server;
  /** The default (first) camera's hub. */
  hub: MjpegHub;
  /** Every camera, in order. */
  cameras: CameraRegistry;
  /** Stops the sources, ends every stream cleanly, closes the server. */
  close(): Promise<void>;
}

/**
 * Starts the hub, the HTTP(S) server and the sources a config names, and resolves once
 * the server listens (`/state` answers before the first frame).
 *
 * @throws SourceStartError when a source's file or device cannot be opened;
 * StartError when the port is in use or the TLS files cannot be read.
 */
export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const cameraConfigs = camerasOf(config);
  for (const camera of cameraConfigs) checkSources(camera);
  // Named cameras prefix their log lines with `[NAME]`; the single camera logs as it always did.
  const named = config.cameras !== undefined;
  const cameras = new CameraRegistry();
  const runsOf = new Map<string, SourceRun[]>();
  const linksOf = new Map<string, CameraLink[]>();
  for (const camera of cameraConfigs) {
    const hub = new MjpegHub({
      sourceKind: camera.source.kind,
      maxViewers: camera.maxViewers,
      stallTimeoutMs: camera.stallTimeoutMs,
      dropSameFrames: camera.dropSameFrames,
    });
    if (named) hub.on('viewer', (event) => log.info(`[${camera.name}] ${formatViewerEvent(event)}`));
    // Filled once the server listens: the sources start after the port is bound.
    const runs: SourceRun[] = [];
    runsOf.set(camera.name, runs);
    const links: CameraLink[] = [];
    linksOf.set(camera.name, links);
    cameras.add({
      name: camera.name,
      hub,
      runs,
      links,
      audio: camera.audio.kind !== 'none' || isRelaySource(camera.source),
    });
  }
  const hub = cameras.default.hub;
  const webRoot = resolveWebRoot({ webRoot: config.webRoot });
  log.debug(
    webRoot === undefined
      ? 'no web build found: serving the built-in page at /'
      : `serving the web app from ${webRoot}`,
  );
  const handler = createMjpegHandler(cameras, {
    webRoot,
    allowOrigin: config.allowOrigin,
    auth: config.auth,
    key: config.key,
    metricsKey: config.metricsKey,
    log: (line, event) => {
      // Named cameras' viewer lines come from their hubs, with the camera's name.
      if (named && (event.event === 'connect' || event.event === 'leave')) return;
      log.info(line);
    },
  });

  // HTTP/1.x, or with TLS h2 and http/1.1 by ALPN (one connection for a page of many streams).
  const { server, url } = await listen(config, handler);

  // Each source under runSource: restarts, /state health, and --idle-stop (started by the
  // first viewer or snapshot, stopped that long after the last leaves).
  const runs = cameraConfigs.flatMap((camera) => {
    const { runs: cameraRuns, link } = startSources(camera, cameras.get(camera.name)!.hub, named, log);
    runsOf.get(camera.name)!.push(...cameraRuns);
    if (link !== undefined) linksOf.get(camera.name)!.push(link);
    return cameraRuns;
  });
  // An origin: each camera published (or those `publish` lists), connecting in the background.
  const publishers: NatsCameraPublisher[] = [];
  const { publish } = config;
  if (publish !== undefined) {
    for (const camera of cameraConfigs) {
      if (publish.cameras !== undefined && !publish.cameras.includes(camera.name)) continue;
      const publisher = new NatsCameraPublisher(cameras.get(camera.name)!.hub, camera.name, publish, log);
      publishers.push(publisher);
      linksOf.get(camera.name)!.push(publisher);
    }
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    hub,
    cameras,
    close() {
      // A hub's close (inside shutdownGracefully for the default one) stops its runs; wait for
      // them to finish too, and let go of the connections the other cameras' streams held.
      closing ??= Promise.all([
        ...publishers.map((publisher) => publisher.close()),
        shutdownGracefully(server, hub),
        cameras.close().then(() => server.closeIdleConnections()),
        ...runs.map((run) => run.stop()),
      ]).then(() => undefined);
      return closing;
    },
  };
}

/** Runs a camera's video source (and its audio source, if any) into its hub. */
function startSources(
  camera: CameraConfig,
  hub: MjpegHub,
  named: boolean,
  log: Logger,
): { runs: SourceRun[]; link?: CameraLink } {
  const prefix = named ? `[${camera.name}] ` : '';
  const logSource = logAtLevel(log);
  const video = cappedVideoSource(camera.source, camera, camera.fpsCap);
  const runs: SourceRun[] = [
    runSource(hub, video.open, {
      name: `${prefix}video source`,
      reconnects: video.reconnects,
      idleStopMs: camera.idleStopMs,
      log: logSource,
    }),
  ];
  const audio = audioSource(camera.audio);
  if (audio !== undefined) {
    runs.push(
      runSource(hub, audio.open, {
        name: `${prefix}audio source`,
        reportState: false,
        reconnects: audio.reconnects,
        idleStopMs: camera.idleStopMs,
        log: logSource,
      }),
    );
  }
  return video.link === undefined ? { runs } : { runs, link: video.link };
}
