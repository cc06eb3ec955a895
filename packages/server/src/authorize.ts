import type { OutgoingHttpHeaders } from 'node:http';
import { type HandlerContext, logRefusal, type RequestContext } from './handler-context.js';
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
 */
export function authorize(
  handler: HandlerContext,
  request: RequestContext,
  route: Route | AssetRoute,
): boolean {
  const access = handler.config.access;
  if (route === 'asset' && access.usesKey) return true;
  if (access.allows(request.req, request.url.searchParams)) return true;
  if (route !== 'asset' && isCameraRoute(route)) logRefusal(handler, request, 'auth');
  const realm = handler.config.realm;
  const challenge: OutgoingHttpHeaders = access.usesBasic
    ? { 'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"` }
    : { 'WWW-Authenticate': `Key realm="${realm}"` };
  sendText(
    request.res,
    401,
    { ...handler.baseHeaders, ...challenge },
    'Unauthorized: credentials or ?key= required',
  );
  return false;
}
