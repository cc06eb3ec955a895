import type { HandlerContext, RequestContext } from './handler-context.js';
import { NO_CACHE, sendBody } from './responses.js';

/** `/state`: the hub's `HubState` as JSON, never cached. */
export function serveState(handler: HandlerContext, request: RequestContext): void {
  sendBody(
    request.res,
    200,
    { ...handler.baseHeaders, ...NO_CACHE, 'Content-Type': 'application/json' },
    request.req,
    JSON.stringify(handler.hub.getState()),
  );
}
