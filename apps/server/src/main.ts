import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  createMjpegHandler,
  MjpegHub,
  runSource,
  type SourceRun,
  shutdownGracefully,
} from '@mjpeg-kit/server';
import type { ServerConfig } from './args.js';
import { type Logger, logAtLevel } from './log.js';
import { audioSource, checkSources, videoSource } from './sources.js';
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
  hub: MjpegHub;
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
  checkSources(config);
  const hub = new MjpegHub({
    sourceKind: config.source.kind,
    maxViewers: config.maxViewers,
    stallTimeoutMs: config.stallTimeoutMs,
    dropSameFrames: config.dropSameFrames,
  });
  const webRoot = resolveWebRoot({ webRoot: config.webRoot });
  log.debug(
    webRoot === undefined
      ? 'no web build found: serving the built-in page at /'
      : `serving the web app from ${webRoot}`,
  );
  const handler = createMjpegHandler(hub, {
    webRoot,
    allowOrigin: config.allowOrigin,
    auth: config.auth,
    key: config.key,
    audio: config.audio.kind !== 'none' || config.source.kind === 'http',
    log: (line) => log.info(line),
  });

  let server: Server;
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(config.tlsCert);
      key = readFileSync(config.tlsKey);
    } catch (error) {
      throw new StartError(`cannot read the TLS files: ${(error as Error).message}`);
    }
    try {
      server = createHttpsServer({ cert, key }, handler) as unknown as Server;
    } catch (error) {
      throw new StartError(`cannot use the TLS certificate and key: ${(error as Error).message}`);
    }
  } else {
    server = createHttpServer(handler);
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      reject(
        new StartError(
          error.code === 'EADDRINUSE'
            ? `port ${config.port} on ${config.host} is already in use`
            : `cannot listen on ${where}: ${error.message}`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const scheme = config.tlsCert === undefined ? 'http' : 'https';

  // Each source under runSource: restarts, /state health, and --idle-stop (started by the
  // first viewer or snapshot, stopped that long after the last leaves).
  const logSource = logAtLevel(log);
  const video = videoSource(config.source, config);
  const runs: SourceRun[] = [
    runSource(hub, video.open, {
      name: 'video source',
      reconnects: video.reconnects,
      idleStopMs: config.idleStopMs,
      log: logSource,
    }),
  ];
  const audio = audioSource(config.audio);
  if (audio !== undefined) {
    runs.push(
      runSource(hub, audio.open, {
        name: 'audio source',
        reportState: false,
        reconnects: audio.reconnects,
        idleStopMs: config.idleStopMs,
        log: logSource,
      }),
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${host}:${address.port}/`,
    server,
    hub,
    close() {
      // The hub's close (inside shutdownGracefully) stops the runs; wait for them to finish too.
      closing ??= Promise.all([shutdownGracefully(server, hub), ...runs.map((run) => run.stop())]).then(
        () => undefined,
      );
      return closing;
    },
  };
}
