import type { HandlerContext, RequestContext } from './handler-context.js';
import { sendText } from './responses.js';

/**
 * Answers a CORS preflight (`OPTIONS` with `allowOrigin` configured) with 204 and the route's
 * methods. Returns whether it answered.
 */
export function answerPreflight(handler: HandlerContext, request: RequestContext, allowed: string): boolean {
  if (request.req.method !== 'OPTIONS' || handler.config.allowOrigin === undefined) return false;
  request.res.writeHead(204, {
    ...handler.baseHeaders,
    'Access-Control-Allow-Methods': allowed,
    'Access-Control-Allow-Headers': 'Authorization',
    'Access-Control-Max-Age': '600',
  });
  request.res.end();
  return true;
}

/** Answers 405 with `Allow` when the method is not in `allowed`. Returns whether it answered. */
export function refuseMethod(handler: HandlerContext, request: RequestContext, allowed: string): boolean {
  const method = request.req.method ?? '';
  if (allowed.split(', ').includes(method)) return false;
  sendText(
    request.res,
    405,
    { ...handler.baseHeaders, Allow: allowed },
    `Method Not Allowed: ${method} (use ${allowed})`,
  );
  return true;
}
