import type { OutgoingHttpHeaders } from 'node:http';
import { type HandlerContext, logRefusal, type RequestContext } from './handler-context.js';
import { admitsMetricsKey } from './metrics-route.js';
import { sendText } from './responses.js';
import { isCameraRoute, type Route } from './routes.js';

/** A web-root file other than the page itself: a script, style or icon of the page. */
export type AssetRoute = 'asset';

/**
 * Whether the request may have the route's answer; if not, answers 401 with a challenge (and
 * logs the refusal of camera data).
 *
 * With a `key`, the page's assets are served without it: they are the same public bytes in
 * every install, and a browser cannot add `?key=` to the requests its module scripts, styles
 * and icons make. The page (`/`, `/index.html`) and all camera data still need the key.
 * `/metrics` also admits the separate `metricsKey` (`?key=` or `Authorization: Bearer`).
 */
export function authorize(
  handler: HandlerContext,
  request: RequestContext,
  route: Route | AssetRoute,
): boolean {
  const access = handler.config.access;
  if (route === 'asset' && access.usesKey) return true;
  if (route === 'metrics') {
    // With a metricsKey, a scraper needs only that token; the server's own credentials still
    // admit, but a server without any does not leave /metrics open.
    const byMetricsKey = admitsMetricsKey(handler, request);
    if (byMetricsKey === true) return true;
    if (byMetricsKey === false && !access.enabled) {
      refuse(handler, request, { 'WWW-Authenticate': `Bearer realm="${handler.config.realm}"` });
      return false;
    }
  }
  if (access.allows(request.req, request.url.searchParams)) return true;
  if (route !== 'asset' && isCameraRoute(route)) logRefusal(handler, request, 'auth');
  const realm = handler.config.realm;
  refuse(
    handler,
    request,
    access.usesBasic
      ? { 'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"` }
      : { 'WWW-Authenticate': `Key realm="${realm}"` },
  );
  return false;
}

function refuse(handler: HandlerContext, request: RequestContext, challenge: OutgoingHttpHeaders): void {
  sendText(
    request.res,
    401,
    { ...handler.baseHeaders, ...challenge },
    'Unauthorized: credentials or ?key= required',
  );
}
