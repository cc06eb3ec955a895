import type { Camera } from './cameras.js';
import type { HandlerContext, RequestContext } from './handler-context.js';
import type { CameraSelector } from './routes.js';
import { sendJson } from './state-route.js';

/** One entry of `/cams`. */
export interface CameraSummary {
  name: string;
  online: boolean;
  fps: number;
  resolution: { width: number; height: number };
  viewers: number;
  audio: boolean;
}

/** `/cams`: every camera, in registry order, as `{ name, online, fps, resolution, viewers, audio }`. */
export function serveCams(handler: HandlerContext, request: RequestContext): void {
  const list: CameraSummary[] = [];
  for (const camera of handler.cameras) list.push(summarize(camera));
  sendJson(handler, request, list);
}

function summarize(camera: Camera): CameraSummary {
  const state = camera.hub.getState();
  return {
    name: camera.name,
    online: state.source.online,
    fps: state.fps,
    resolution: state.resolution,
    viewers: state.viewers,
    audio: camera.audio,
  };
}

/** The camera a route selects, or `undefined` when the registry has none by that name or position. */
export function findCamera(handler: HandlerContext, selector: CameraSelector): Camera | undefined {
  switch (selector.by) {
    case 'default':
      return handler.cameras.default;
    case 'name':
      return handler.cameras.get(selector.name);
    case 'index':
      return handler.cameras.at(selector.index);
  }
}

/** 404 for a camera the registry does not have, as JSON naming the ones it has. */
export function refuseUnknownCamera(
  handler: HandlerContext,
  request: RequestContext,
  selector: CameraSelector,
): void {
  const asked = selector.by === 'index' ? `number ${selector.index} (from 0)` : describeName(selector);
  sendJson(handler, request, { error: `no camera ${asked}`, cameras: handler.cameras.names() }, 404);
}

function describeName(selector: CameraSelector): string {
  if (selector.by !== 'name') return 'by default';
  if (selector.name === '') return 'named (give ?src=NAME)';
  const shown = selector.name.length > 40 ? `${selector.name.slice(0, 40)}…` : selector.name;
  return JSON.stringify(shown);
}
