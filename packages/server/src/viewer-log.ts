import type { HandlerLogEvent, WsConnectionEvent } from './handler-options.js';
import type { ViewerEvent } from './hub.js';

type RefusalEvent = Extract<HandlerLogEvent, { event: 'refuse' }>;
type FailureEvent = Extract<HandlerLogEvent, { event: 'error' }>;

/** `viewer 127.0.0.1:51234 connected to /stream (3 watching)` / `… left /stream: stalled after 12.0 s, …`. */
export function formatViewerEvent(event: ViewerEvent): string {
  if (event.event === 'connect') {
    return `viewer ${event.remote} connected to ${event.path} (${event.viewers} watching)`;
  }
  const seconds = ((event.durationMs ?? 0) / 1000).toFixed(1);
  const mib = ((event.bytesSent ?? 0) / 1048576).toFixed(1);
  const sent =
    event.kind === 'wav'
      ? `${event.audioSent} audio packets`
      : `${event.framesSent} frames (${event.framesSkipped} skipped)${event.kind === 'av' ? `, ${event.audioSent} audio packets` : ''}`;
  return `viewer ${event.remote} left ${event.path}: ${event.reason} after ${seconds} s, ${sent}, ${mib} MiB (${event.viewers} watching)`;
}

/**
 * `ws 127.0.0.1:51234 connected to /ws (2 connections)` / `ws 127.0.0.1:51234 left /ws: closed 1000
 * by the client after 12.0 s, cameras front, back, 300 frames (2 skipped), 0 audio packets, 3.4 MiB
 * (1 connection)`.
 */
export function formatWsEvent(event: WsConnectionEvent): string {
  const connections = `${event.connections} connection${event.connections === 1 ? '' : 's'}`;
  if (event.event === 'ws-open') return `ws ${event.remote} connected to ${event.path} (${connections})`;
  const seconds = (event.durationMs / 1000).toFixed(1);
  const mib = (event.bytesSent / 1048576).toFixed(1);
  const cameras = event.cameras.length === 0 ? 'no camera' : `cameras ${event.cameras.join(', ')}`;
  return `ws ${event.remote} left ${event.path}: ${event.reason} after ${seconds} s, ${cameras}, ${event.framesSent} frames (${event.framesSkipped} skipped), ${event.audioSent} audio packets, ${mib} MiB (${connections})`;
}

/** `viewer 127.0.0.1:51234 refused /stream: limit`. */
export function formatRefusal(event: RefusalEvent): string {
  return `viewer ${event.remote} refused ${event.path}: ${event.reason}`;
}

/** `request 127.0.0.1:51234 /assets/app.js failed: EIO: i/o error, read`. */
export function formatFailure(event: FailureEvent): string {
  const error = event.error;
  const reason = error instanceof Error ? error.message : String(error);
  return `request ${event.remote} ${event.path} failed: ${reason}`;
}
