/**
 * What a request path asks for; web-root files are not routes (they are looked up last).
 * `state` is the server's `/state` (the default camera's keys and `cameras`); `camera-state`
 * is one camera's (`/cams/NAME/state`); `cams` is the camera list; `ws` the one-connection
 * WebSocket transport (`/ws`, served by `handler.upgrade`).
 */
export type Route =
  | 'stream'
  | 'snapshot'
  | 'wav'
  | 'av'
  | 'state'
  | 'camera-state'
  | 'cams'
  | 'metrics'
  | 'ws'
  | 'page';

/** Which camera a route serves: the default one, one by name, or one by position (from 0). */
export type CameraSelector =
  | { readonly by: 'default' }
  | { readonly by: 'name'; readonly name: string }
  | { readonly by: 'index'; readonly index: number };

/** A routed request: the route, and for camera routes the camera it is for. */
export interface RouteMatch {
  readonly route: Route;
  readonly camera: CameraSelector;
}

/** Methods of the camera routes: old clients POST (and send a body, read and dropped). */
const CAMERA_METHODS = 'GET, HEAD, POST';
const READ_METHODS = 'GET, HEAD';

const DEFAULT_CAMERA: CameraSelector = { by: 'default' };

/** `/cams/NAME/<leaf>` leaves and the route each serves. */
const CAMERA_LEAVES: Readonly<Record<string, Route>> = {
  stream: 'stream',
  'snapshot.jpg': 'snapshot',
  av: 'av',
  'audio.wav': 'wav',
  state: 'camera-state',
};

/** mjpg-streamer's `?action=`, with its multi-input form `stream_N`/`snapshot_N`. */
const ACTION = /^(stream|snapshot)(?:_(\d{1,4}))?$/;
/** crowsnest's layout: `/webcam/` is the 1st camera, `/webcam2/` the 2nd (no `/webcam1/`). */
const WEBCAM_PATH = /^\/webcam([2-9]|[1-9]\d{1,3})?\/?$/;
/** `/cams/NAME/leaf`; NAME is checked against the registry, not here (an unknown one is a 404 with the list). */
const CAMERA_PATH = /^\/cams\/([^/]+)\/([^/]+)$/;

/**
 * The route of a path, with ustreamer's, mjpg-streamer's, crowsnest's and go2rtc's aliases,
 * or `undefined` (a web-root file, or not ours).
 */
export function routeOf(pathname: string, params: URLSearchParams): RouteMatch | undefined {
  switch (pathname) {
    case '/stream':
    case '/video.mjpg':
    case '/stream.mjpg':
      return { route: 'stream', camera: DEFAULT_CAMERA };
    case '/snapshot.jpg':
    case '/snapshot':
      return { route: 'snapshot', camera: DEFAULT_CAMERA };
    case '/audio.wav':
      return { route: 'wav', camera: DEFAULT_CAMERA };
    case '/av':
      return { route: 'av', camera: DEFAULT_CAMERA };
    case '/state':
      return { route: 'state', camera: DEFAULT_CAMERA };
    case '/cams':
    case '/cams/':
      return { route: 'cams', camera: DEFAULT_CAMERA };
    case '/metrics':
      return { route: 'metrics', camera: DEFAULT_CAMERA };
    case '/ws':
      return { route: 'ws', camera: DEFAULT_CAMERA };
    case '/api/stream.mjpeg':
      return { route: 'stream', camera: { by: 'name', name: params.get('src') ?? '' } };
    case '/api/frame.jpeg':
      return { route: 'snapshot', camera: { by: 'name', name: params.get('src') ?? '' } };
    case '/':
    case '/index.html':
      return actionRoute(params, 0) ?? { route: 'page', camera: DEFAULT_CAMERA };
  }
  const webcam = WEBCAM_PATH.exec(pathname);
  if (webcam !== null) {
    const position = webcam[1] === undefined ? 0 : Number(webcam[1]) - 1;
    return actionRoute(params, position, true);
  }
  const camera = CAMERA_PATH.exec(pathname);
  if (camera !== null) {
    const route = Object.hasOwn(CAMERA_LEAVES, camera[2]!) ? CAMERA_LEAVES[camera[2]!] : undefined;
    if (route === undefined) return undefined;
    return { route, camera: { by: 'name', name: decodeName(camera[1]!) } };
  }
  return undefined;
}

/**
 * `?action=stream|snapshot[_N]`. At `/` a plain action is the default camera and `_N` the Nth
 * from 0; under `/webcamN/` the path picks the camera (`_N` is not crowsnest's, not accepted).
 */
function actionRoute(params: URLSearchParams, position: number, byPath = false): RouteMatch | undefined {
  const match = ACTION.exec(params.get('action') ?? '');
  if (match === null) return undefined;
  const route: Route = match[1] === 'stream' ? 'stream' : 'snapshot';
  if (match[2] !== undefined) {
    if (byPath) return undefined;
    return { route, camera: { by: 'index', index: Number(match[2]) } };
  }
  return { route, camera: byPath ? { by: 'index', index: position } : DEFAULT_CAMERA };
}

function decodeName(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
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
