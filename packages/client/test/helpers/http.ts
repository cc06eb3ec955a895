import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach } from 'vitest';

/**
 * A node:http server on 127.0.0.1 that counts its open responses, so tests can prove a
 * client left nothing running. (Responses, not sockets: after a cancelled body Node's
 * fetch may open a spare idle socket that carries no request and closes by itself.)
 */
export interface TestServer {
  server: Server;
  port: number;
  url: string;
  /** Requests seen, in order. */
  requests: IncomingMessage[];
  /** Responses not yet closed (finished or aborted by the client). */
  openConnections(): number;
  /** Waits (bounded) until the open response count satisfies `predicate`. */
  waitForConnections(predicate: (count: number) => boolean, timeoutMs?: number): Promise<void>;
  /** Drops every socket and stops listening. */
  close(): Promise<void>;
  /** Listens again on the same port (after `close`). */
  restart(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `serve(handler)` for one test file: starts a {@link TestServer} and closes every one it
 * started after each test.
 */
export function serverPerTest(): (handler: Handler) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (handler) => {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  };
}

export async function startServer(handler: Handler, port = 0): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const open = new Set<ServerResponse>();
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    open.add(res);
    res.on('close', () => open.delete(res));
    handler(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  const test: TestServer = {
    server,
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    requests,
    openConnections: () => open.size,
    async waitForConnections(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(open.size)) {
        if (Date.now() > deadline) throw new Error(`open responses stayed at ${open.size}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      server.listen(bound, '127.0.0.1');
      await once(server, 'listening');
    },
  };
  return test;
}

/** Writes `chunks` with a short pause between them, stopping when the response closes. */
export async function writeSlowly(res: ServerResponse, chunks: Uint8Array[], pauseMs = 1): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    res.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
