import type { HandlerContext, RequestContext } from './handler-context.js';
import type { HubState } from './hub.js';
import { NO_CACHE, sendBody } from './responses.js';

/**
 * `/state`: the default camera's `HubState`, with `cameras: { NAME: <its HubState> }` added;
 * never cached.
 */
export function serveState(handler: HandlerContext, request: RequestContext): void {
  const cameras: Record<string, HubState> = {};
  for (const camera of handler.cameras) cameras[camera.name] = camera.hub.getState();
  sendJson(handler, request, { ...handler.cameras.default.hub.getState(), cameras });
}

/** `/cams/NAME/state`: that camera's `HubState`, never cached. */
export function serveCameraState(handler: HandlerContext, request: RequestContext): void {
  sendJson(handler, request, request.camera.hub.getState());
}

/** Sends a JSON document, never cached. */
export function sendJson(
  handler: HandlerContext,
  request: RequestContext,
  document: unknown,
  status = 200,
): void {
  sendBody(
    request.res,
    status,
    { ...handler.baseHeaders, ...NO_CACHE, 'Content-Type': 'application/json' },
    request.req,
    JSON.stringify(document),
  );
}
