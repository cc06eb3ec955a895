import type { Server } from 'node:http';
import type { MjpegHub } from './hub.js';

/** Options of {@link shutdownGracefully}. */
export interface ShutdownOptions {
  /** After this long, remaining connections are destroyed, ms. Default 3000. */
  timeoutMs?: number;
}

/** Default `timeoutMs` of {@link shutdownGracefully}. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 3000;

/**
 * Graceful shutdown: the server stops accepting, every stream's body is ended cleanly (the
 * last chunk on HTTP/1.1, FIN on HTTP/1.0) through `hub.close()`, idle keep-alive
 * connections are closed, and whatever is still open after `timeoutMs` is destroyed. `/ws`
 * connections close with 1001 once every hub their handler serves has closed (for a
 * registry, close the other hubs too: `cameras.close()`).
 * Resolves once the server has closed. Call it from SIGINT/SIGTERM handlers.
 *
 * @example
 * ```ts
 * process.once('SIGTERM', () => shutdownGracefully(server, hub).then(() => process.exit(0)));
 * ```
 */
export function shutdownGracefully(
  server: Server,
  hub: MjpegHub,
  options: ShutdownOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const closed = new Promise<void>((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  timer.unref?.();
  const streamsEnded = hub.close().then(() => server.closeIdleConnections());
  server.closeIdleConnections();
  return Promise.all([closed, streamsEnded]).then(() => clearTimeout(timer));
}
