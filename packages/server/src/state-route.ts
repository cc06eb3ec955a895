import { cameraState } from './cameras.js';
import type { HandlerContext, RequestContext } from './handler-context.js';
import { NO_CACHE, sendBody } from './responses.js';

/**
 * `/state`: the default camera's `HubState`, with `cameras: { NAME: <its HubState> }` added
 * (each with `links` when the camera has any); never cached.
 */
export function serveState(handler: HandlerContext, request: RequestContext): void {
  const cameras: Record<string, ReturnType<typeof cameraState>> = {};
  for (const camera of handler.cameras) cameras[camera.name] = cameraState(camera);
  sendJson(handler, request, { ...cameraState(handler.cameras.default), cameras });
}

/** `/cams/NAME/state`: that camera's `HubState`, never cached. */
export function serveCameraState(handler: HandlerContext, request: RequestContext): void {
  sendJson(handler, request, cameraState(request.camera));
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
