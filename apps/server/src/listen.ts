import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { MjpegHandler } from '@mjpeg-kit/server';
import type { ServerConfig } from './args.js';
import { StartError } from './main.js';

/** A server listening on its port, and the URL that reaches it. */
export interface Listening {
  /**
   * The `node:http` server; with TLS an `Http2SecureServer` (h2 and http/1.1 by ALPN) that
   * also has `closeIdleConnections()` and `closeAllConnections()`, so it shuts down like the
   * `node:http` one.
   */
  server: Server;
  /** `http://HOST:PORT/` with the bound port (`https://` with TLS). */
  url: string;
}

/**
 * Creates the server for `config` and listens: plain HTTP/1.x without TLS; with
 * `tlsCert`/`tlsKey`, HTTP/2 and HTTP/1.1 on the same port, chosen by ALPN (a browser gets h2
 * and so one connection for any number of streams; a client without h2 gets HTTP/1.1).
 *
 * @throws StartError when the TLS files cannot be read or used, or the port cannot be bound
 * (in use, no permission).
 */
export async function listen(
  config: Pick<ServerConfig, 'host' | 'port' | 'tlsCert' | 'tlsKey'>,
  handler: MjpegHandler,
): Promise<Listening> {
  const tls = config.tlsCert !== undefined && config.tlsKey !== undefined;
  const server = tls ? createTlsServer(config.tlsCert!, config.tlsKey!, handler) : createHttpServer(handler);
  // `/ws`; over TLS only HTTP/1.1 (ALPN fallback) upgrades, as browsers do.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!handler.upgrade(req, socket, head)) socket.destroy();
  });
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
  return { server, url: `${tls ? 'https' : 'http'}://${host}:${address.port}/` };
}

function createTlsServer(certPath: string, keyPath: string, handler: MjpegHandler): Server {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(certPath);
    key = readFileSync(keyPath);
  } catch (error) {
    throw new StartError(`cannot read the TLS files: ${(error as Error).message}`);
  }
  let server: Http2SecureServer;
  try {
    server = createSecureServer({ allowHTTP1: true, cert, key }, handler);
  } catch (error) {
    throw new StartError(`cannot use the TLS certificate and key: ${(error as Error).message}`);
  }
  return withConnectionClosing(server);
}

/**
 * Gives an `Http2SecureServer` the two methods a graceful shutdown calls on a `node:http`
 * server, which it lacks: `closeIdleConnections()` sends GOAWAY on every HTTP/2 session (each
 * closes once its open streams end) and closes HTTP/1.1 connections with no response under
 * way; `closeAllConnections()` destroys every session and connection.
 */
function withConnectionClosing(server: Http2SecureServer): Server {
  const sessions = new Set<Http2Session>();
  /** HTTP/1.1 connections (ALPN fallback) and how many responses each has under way. */
  const http1 = new Map<Socket, number>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') return;
    http1.set(socket, 0);
    socket.once('close', () => http1.delete(socket));
  });
  server.on('request', (req: { httpVersionMajor: number; socket: Socket }, res: NodeJS.EventEmitter) => {
    const socket = req.socket;
    const open = http1.get(socket);
    if (req.httpVersionMajor >= 2 || open === undefined) return;
    http1.set(socket, open + 1);
    res.once('close', () => {
      const left = http1.get(socket);
      if (left !== undefined) http1.set(socket, left - 1);
    });
  });
  return Object.assign(server, {
    closeIdleConnections(): void {
      for (const session of sessions) if (!session.closed) session.close();
      for (const [socket, open] of http1) if (open === 0) socket.destroy();
    },
    closeAllConnections(): void {
      for (const session of sessions) session.destroy();
      for (const socket of http1.keys()) socket.destroy();
    },
  }) as unknown as Server;
}
