/** What a request path asks for; web-root files are not routes (they are looked up last). */
export type Route = 'stream' | 'snapshot' | 'wav' | 'av' | 'state' | 'page';

/** Methods of the camera routes: old clients POST (and send a body, read and dropped). */
const CAMERA_METHODS = 'GET, HEAD, POST';
const READ_METHODS = 'GET, HEAD';

/**
 * The route of a path, with ustreamer's and mjpg-streamer's aliases, or `undefined` (a web-root
 * file, or not ours).
 */
export function routeOf(pathname: string, params: URLSearchParams): Route | undefined {
  switch (pathname) {
    case '/stream':
    case '/video.mjpg':
    case '/stream.mjpg':
      return 'stream';
    case '/snapshot.jpg':
    case '/snapshot':
      return 'snapshot';
    case '/audio.wav':
      return 'wav';
    case '/av':
      return 'av';
    case '/state':
      return 'state';
    case '/':
    case '/index.html': {
      // mjpg-streamer's URL shapes: /?action=stream and /?action=snapshot.
      const action = params.get('action');
      if (action === 'stream') return 'stream';
      if (action === 'snapshot') return 'snapshot';
      return 'page';
    }
    default:
      return undefined;
  }
}

/** Whether a route serves camera data (streams, snapshots, audio): its refusals are logged. */
export function isCameraRoute(route: Route): boolean {
  return route === 'stream' || route === 'av' || route === 'wav' || route === 'snapshot';
}

/** The `Allow` list of a route. */
export function allowedMethods(route: Route): string {
  return isCameraRoute(route) ? CAMERA_METHODS : READ_METHODS;
}

/** GET or HEAD. */
export function isRead(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}
