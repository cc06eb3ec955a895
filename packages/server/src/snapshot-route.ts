import type { OutgoingHttpHeaders } from 'node:http';
import { formatTimestamp } from '@mjpeg-kit/bytes';
import type { HandlerContext, RequestContext } from './handler-context.js';
import { readMaxDelay } from './query.js';
import { NO_CACHE, sendBody, sendText, signalOnClose } from './responses.js';

/**
 * `/snapshot.jpg`: the latest frame if younger than `?max_delay=`, else the next within
 * `snapshotTimeoutMs`, else the newest there is; 503 only when no frame ever came. A request
 * that goes away stops waiting at once, so it no longer keeps the hub active.
 */
export async function serveSnapshot(handler: HandlerContext, request: RequestContext): Promise<void> {
  const { config, baseHeaders } = handler;
  const { res } = request;
  const maxDelayMs = readMaxDelay(request.url.searchParams, config.snapshotMaxDelayMs);
  const gone = signalOnClose(res);
  const frame = await request.camera.hub.waitForFrame(maxDelayMs, config.snapshotTimeoutMs, gone);
  if (gone.aborted || res.destroyed) return;
  if (frame === undefined) {
    sendText(res, 503, { ...baseHeaders, 'Retry-After': '1' }, 'Service Unavailable: no frame yet');
    return;
  }
  const headers: OutgoingHttpHeaders = {
    ...baseHeaders,
    ...NO_CACHE,
    'Content-Type': 'image/jpeg',
    'X-Timestamp': formatTimestamp(frame.timestamp),
  };
  if (frame.seq !== undefined) headers['X-Frame-Seq'] = String(frame.seq);
  sendBody(res, 200, headers, request.req, frame.body);
}
