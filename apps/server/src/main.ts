import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createMjpegHandler, MjpegHub, shutdownGracefully } from '@mjpeg-kit/server';
import type { ServerConfig } from './args.js';
import type { Logger } from './log.js';
import { audioOpener, checkSources, describeSource, SourceRunner, videoOpener } from './sources.js';
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
    sourceKind: describeSource(config.source),
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

  const runners: SourceRunner[] = [
    new SourceRunner({
      role: 'video',
      open: videoOpener(config.source, config),
      publish: (packet) => hub.publish(packet),
      log,
      onHealth: (online, error) => hub.setSourceState(error === undefined ? { online } : { online, error }),
    }),
  ];
  const openAudio = audioOpener(config.audio);
  if (openAudio !== undefined) {
    runners.push(
      new SourceRunner({ role: 'audio', open: openAudio, publish: (packet) => hub.publish(packet), log }),
    );
  }
  for (const runner of runners) runner.start();

  // --idle-stop: stop the sources once nobody has watched for that long; the next viewer
  // (or snapshot) starts them again.
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const idleStopMs = config.idleStopMs;
  if (idleStopMs !== undefined) {
    const armIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        log.info(`no viewers for ${idleStopMs / 1000} s: stopping the source`);
        void Promise.all(runners.map((runner) => runner.stop())).then(() => {
          if (!hub.active) hub.setSourceState({ online: false, error: 'stopped while idle' });
        });
      }, idleStopMs);
    };
    hub.on('idle', armIdleTimer);
    hub.on('active', () => {
      clearTimeout(idleTimer);
      if (runners.some((runner) => !runner.running)) {
        log.info('a viewer came: starting the source');
        for (const runner of runners) runner.start();
      }
    });
    if (!hub.active) armIdleTimer();
  }

  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${host}:${address.port}/`,
    server,
    hub,
    close() {
      closing ??= (async () => {
        clearTimeout(idleTimer);
        await Promise.all([shutdownGracefully(server, hub), ...runners.map((runner) => runner.stop())]);
      })();
      return closing;
    },
  };
}
