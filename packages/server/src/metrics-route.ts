import type { IncomingMessage } from 'node:http';
import type { HandlerContext, RequestContext } from './handler-context.js';
import { createServerMetrics } from './metrics.js';
import { NO_CACHE, sendBody } from './responses.js';

/** `Authorization: Bearer <token>` (RFC 6750 §2.1), or `undefined`. */
const BEARER = /^bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

/**
 * Whether `/metrics` is admitted by the separate `metricsKey`: as `?key=` or as a Bearer
 * token. `undefined` when no `metricsKey` is set (the route follows the common rules).
 */
export function admitsMetricsKey(handler: HandlerContext, request: RequestContext): boolean | undefined {
  const access = handler.config.metricsAccess;
  if (access === undefined) return undefined;
  if (access.allows(request.req, request.url.searchParams)) return true;
  const bearer = readBearer(request.req);
  return bearer !== undefined && access.allows(request.req, new URLSearchParams({ key: bearer }));
}

function readBearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}

/** `/metrics`: the Prometheus text exposition of every camera and the process, never cached. */
export async function serveMetrics(handler: HandlerContext, request: RequestContext): Promise<void> {
  handler.metrics ??= createServerMetrics(handler.cameras);
  const text = await handler.metrics.scrape();
  if (request.res.destroyed) return;
  sendBody(
    request.res,
    200,
    { ...handler.baseHeaders, ...NO_CACHE, 'Content-Type': handler.metrics.contentType },
    request.req,
    text,
  );
}
