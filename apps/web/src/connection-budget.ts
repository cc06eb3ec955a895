/**
 * How many camera streams the grid may hold open at once. Over HTTP/1.1 a browser keeps at
 * most six connections to one origin, and a live stream holds its connection for as long as it
 * plays: a seventh request would queue, invisibly, until one of them ends. Over HTTP/2 and
 * HTTP/3 every stream shares one connection, so the grid plays every camera.
 */

import { MAX_WS_SUBSCRIPTIONS } from '@mjpeg-kit/client';

/** Connections per origin every mainstream browser allows over HTTP/1.x. */
export const HTTP1_CONNECTIONS_PER_ORIGIN = 6;

/**
 * Connections the grid leaves free over HTTP/1.x: one, so the camera list refresh, the
 * still pictures of waiting tiles and the page's own files never queue behind the streams.
 */
export const PAGE_RESERVED_CONNECTIONS = 1;

/** What the grid may open, and why. */
export interface StreamBudget {
  /** Streams the grid may hold open; `Infinity` when the protocol multiplexes them. */
  readonly streams: number;
  /** The browser's per-origin connection limit that sets `streams`, or `undefined` (HTTP/2, HTTP/3). */
  readonly connectionLimit: number | undefined;
  /** The protocol as the browser reports it (`http/1.1`, `h2`, `h3`, or `''` when unknown). */
  readonly protocol: string;
}

/**
 * The grid's stream budget for a page loaded over `protocol` (the navigation entry's
 * `nextHopProtocol`). An unknown protocol counts as HTTP/1.1: queueing a stream silently is
 * worse than showing a still picture that could have been live.
 */
export function streamBudget(protocol: string): StreamBudget {
  const normalized = protocol.trim().toLowerCase();
  if (normalized === 'h2' || normalized === 'h3' || normalized.startsWith('h3-')) {
    return { streams: Number.POSITIVE_INFINITY, connectionLimit: undefined, protocol: normalized };
  }
  return {
    streams: HTTP1_CONNECTIONS_PER_ORIGIN - PAGE_RESERVED_CONNECTIONS,
    connectionLimit: HTTP1_CONNECTIONS_PER_ORIGIN,
    protocol: normalized,
  };
}

/** The protocol this page was loaded over, as the browser reports it (`''` when it does not say). */
export function pageProtocol(): string {
  const [entry] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return entry?.nextHopProtocol ?? '';
}

/** How the page names a protocol in its notes: `HTTP/1.1` for `http/1.1` or an unknown one. */
export function protocolLabel(protocol: string): string {
  return protocol === '' || protocol === 'http/1.1' ? 'HTTP/1.1' : protocol.toUpperCase();
}

/** The note of a tile the budget leaves waiting. */
export function waitingNote(budget: StreamBudget): string {
  return `waiting: the browser allows ${budget.connectionLimit} connections to this server over ${protocolLabel(budget.protocol)}, and the other cameras use them. Open this camera to watch it live.`;
}

/**
 * The note of a tile given a connection whose stream has not opened after a while: another
 * tab on the same server may hold the browser's connections.
 */
export function stalledNote(budget: StreamBudget): string {
  return `still connecting: the browser allows ${budget.connectionLimit} connections to this server over ${protocolLabel(budget.protocol)}; another tab of this server may be using them.`;
}

/** The grid's summary line when some cameras wait for a connection. */
export function budgetSummary(budget: StreamBudget, cameras: number): string | undefined {
  if (cameras <= budget.streams) return undefined;
  return `${budget.streams} of ${cameras} cameras play live: the browser allows ${budget.connectionLimit} connections to this server over ${protocolLabel(budget.protocol)} (one is kept for the page). The others show a still picture every few seconds; serve the page over HTTPS (HTTP/2) to watch them all live.`;
}

/** The grid's summary line when `live` of `cameras` play over the server's `/ws`. */
export function wsSummary(live: number, cameras: number): string {
  if (live < cameras)
    return `${live} of ${cameras} cameras play live over one WebSocket connection (/ws), which carries at most ${live}; the others show a still picture every few seconds.`;
  return `${cameras === 1 ? 'The camera plays' : `All ${cameras} cameras play`} live over one WebSocket connection (/ws).`;
}

/** The note of a tile past the cameras one `/ws` connection carries. */
export function wsLimitNote(): string {
  return `waiting: one WebSocket connection carries at most ${MAX_WS_SUBSCRIPTIONS} cameras. Open this camera to watch it live.`;
}

/** What the summary line says first when the server's `/ws` could not be opened. */
export function httpFallbackNote(): string {
  return 'The server’s WebSocket (/ws) is not reachable from this page (a proxy without WebSocket support?): the cameras play as HTTP streams.';
}
