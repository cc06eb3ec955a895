import type { OutgoingHttpHeaders } from 'node:http';
import { type HandlerContext, logRefusal, type RequestContext } from './handler-context.js';
import { readFlag, readStreamQuery } from './query.js';
import { http2StreamOf, NO_CACHE, sendText, signalOnClose } from './responses.js';
import type { ViewerKind } from './viewer.js';

/**
 * `/stream`, `/av` and `/audio.wav` once it has audio: writes the response head and hands the
 * socket to the hub as a viewer.
 *
 * The hub writes pre-framed bytes to `res.socket` after `flushHeaders()`, because `res.write`
 * would add its own chunk framing: chunked on HTTP/1.1 (ended with the last chunk),
 * close-delimited on HTTP/1.0. On HTTP/2 it writes the raw part bytes to the response's own
 * stream (`res.stream`): DATA frames carry them, END_STREAM ends them, and the stream's
 * flow-control window is what holds back a viewer that stops reading, not its neighbours.
 */
export function serveStream(handler: HandlerContext, request: RequestContext, kind: ViewerKind): void {
  const { baseHeaders } = handler;
  const hub = request.camera.hub;
  const { req, res } = request;
  const params = request.url.searchParams;
  const query = kind === 'wav' ? undefined : readStreamQuery(params);
  if (kind === 'wav') readFlag(params, 'raw'); // validated, but a WAV is already plain bytes
  if (hub.closed) {
    sendText(res, 503, baseHeaders, 'Service Unavailable: shutting down');
    return;
  }
  if (!hub.canAccept()) {
    logRefusal(handler, request, 'limit');
    sendText(res, 503, { ...baseHeaders, 'Retry-After': '5' }, 'Service Unavailable: viewer limit reached');
    return;
  }
  const h2 = http2StreamOf(req, res);
  // HTTP/1.0 has no chunked coding: the body ends when the connection does (RFC 9112 §6.3).
  // HTTP/2 has none either (it frames bodies itself) and forbids connection-specific headers
  // (RFC 9113 §8.2.2): no Connection, no Transfer-Encoding there.
  const chunked = h2 === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1;
  const headers: OutgoingHttpHeaders = { ...baseHeaders, ...NO_CACHE, 'X-Accel-Buffering': 'no' };
  if (h2 === undefined) headers.Connection = 'close';
  if (kind === 'wav') headers['Content-Type'] = 'audio/wav';
  else if (query?.raw) {
    headers['Content-Type'] = 'application/octet-stream';
    headers['X-Boundary'] = hub.boundary;
    headers['Access-Control-Expose-Headers'] = 'X-Boundary, Server';
  } else headers['Content-Type'] = hub.contentType;
  if (chunked) headers['Transfer-Encoding'] = 'chunked';
  res.writeHead(200, headers);
  const sink = h2 ?? res.socket;
  if (req.method === 'HEAD' || sink === null || sink.destroyed) {
    res.end();
    return;
  }
  // A POST body (old Flash clients send one) is read and dropped.
  req.resume();
  res.flushHeaders();
  hub.addViewer(sink, {
    kind,
    chunked,
    legacy: query?.legacy,
    advanceHeaders: query?.advanceHeaders,
    dualFinalFrames: query?.dualFinalFrames,
    fps: query?.fps,
    audio: query?.audio,
    path: request.logPath,
    remote: request.remote,
    onEvent: handler.onViewerEvent,
  });
}

/**
 * `/audio.wav`: 404 when the camera carries no audio; while the hub has seen no audio packet
 * (a video-only camera, or a source still starting), waits up to `audioTimeoutMs` for one, then
 * answers 503 with `Retry-After` rather than a 200 that would never send a byte.
 */
export async function serveWav(handler: HandlerContext, request: RequestContext): Promise<void> {
  const { res } = request;
  if (!request.camera.audio) {
    sendText(res, 404, handler.baseHeaders, 'Not Found: this camera has no audio source');
    return;
  }
  readFlag(request.url.searchParams, 'raw');
  if (!request.camera.hub.hasAudio) {
    const gone = signalOnClose(res);
    const hasAudio = await request.camera.hub.waitForAudio(handler.config.audioTimeoutMs, gone);
    if (gone.aborted) return;
    if (!hasAudio) {
      sendText(
        res,
        503,
        { ...handler.baseHeaders, 'Retry-After': '5' },
        'Service Unavailable: no audio yet (the source has sent none; a video-only camera has none)',
      );
      return;
    }
  }
  serveStream(handler, request, 'wav');
}
