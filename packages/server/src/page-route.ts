import type { OutgoingHttpHeaders } from 'node:http';
import { authorize } from './authorize.js';
import { FALLBACK_PAGE } from './fallback-page.js';
import type { HandlerContext, RequestContext } from './handler-context.js';
import { sendBody, sendText } from './responses.js';
import { isRead } from './routes.js';
import { findStaticFile, sendStaticFile } from './static-files.js';

/** Headers of the built-in page; `same-origin` keeps a `?key=` in its URL from other origins' Referer. */
const FALLBACK_PAGE_HEADERS: OutgoingHttpHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-cache',
  'Referrer-Policy': 'same-origin',
};

/**
 * `/` and `/index.html`: the web root's `index.html`, else the built-in page (with
 * `fallbackPage: false`, `next()` or 404). Access was checked: the page needs the key.
 */
export async function servePage(handler: HandlerContext, request: RequestContext): Promise<void> {
  const { config, baseHeaders } = handler;
  if (config.webRoot !== undefined) {
    const file = await findStaticFile(config.webRoot, request.url.pathname);
    if (file !== undefined) {
      await sendStaticFile(file, request.req, request.res, baseHeaders);
      return;
    }
  }
  if (!config.fallbackPage) {
    handOff(handler, request);
    return;
  }
  sendBody(request.res, 200, { ...baseHeaders, ...FALLBACK_PAGE_HEADERS }, request.req, FALLBACK_PAGE);
}

/**
 * Any path that is not a route: a file of the web root when there is one (its assets are public
 * with a key, see `authorize`), else `next()` when given (Express, Connect), else 404.
 */
export async function serveWebRootFile(handler: HandlerContext, request: RequestContext): Promise<void> {
  const webRoot = handler.config.webRoot;
  if (webRoot !== undefined && isRead(request.req.method)) {
    const file = await findStaticFile(webRoot, request.url.pathname);
    if (file !== undefined) {
      if (authorize(handler, request, 'asset')) {
        await sendStaticFile(file, request.req, request.res, handler.baseHeaders);
      }
      return;
    }
  }
  handOff(handler, request);
}

function handOff(handler: HandlerContext, request: RequestContext): void {
  if (request.next !== undefined) request.next();
  else sendText(request.res, 404, handler.baseHeaders, `Not Found: ${request.url.pathname}`);
}
