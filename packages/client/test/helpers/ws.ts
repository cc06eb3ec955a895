import type { StatusEvent } from '@mjpeg-kit/bytes';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import {
  openWsConnection,
  type WebSocketConstructor,
  type WsConnection,
  type WsConnectionOptions,
} from '../../src/index.js';

/** The `ws` package's WebSocket, as the client takes one. */
export const WS = WebSocket as unknown as WebSocketConstructor;

/** Polls `predicate` every 10 ms, at most `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A connection a test opened, the status events it reported, and its own abort. */
export interface TestConnection {
  connection: WsConnection;
  events: StatusEvent[];
  abort(): void;
}

/**
 * `connect(url, options)` for one test file: opens a connection over `ws` that records its status
 * events, and aborts every one it opened after each test. Call it after the file registers its
 * server cleanup: vitest runs the last registered after-hook first, so connections end before
 * their servers go (and never see that as a reason to reconnect).
 */
export function connectionsPerTest(): (
  url: string,
  options?: Omit<WsConnectionOptions, 'WebSocket' | 'signal' | 'onStatus'>,
) => TestConnection {
  const controllers: AbortController[] = [];
  afterEach(() => {
    for (const controller of controllers.splice(0)) controller.abort();
  });
  return (url, options = {}) => {
    const controller = new AbortController();
    controllers.push(controller);
    const events: StatusEvent[] = [];
    const connection = openWsConnection(url, {
      ...options,
      WebSocket: WS,
      signal: controller.signal,
      onStatus: (event) => events.push(event),
    });
    return { connection, events, abort: () => controller.abort() };
  };
}
