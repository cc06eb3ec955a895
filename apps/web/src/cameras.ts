import { buildDataUrl } from './page-urls.js';

/** One camera of the server's `/cams` list, as the page uses it. */
export interface CameraInfo {
  /** The camera's name: lowercase letters, digits, `_` and `-`, as in `/cams/NAME/…`. */
  readonly name: string;
  readonly online: boolean;
  /** Whether the camera may carry audio (its `/cams/NAME/av` can bring sound). */
  readonly audio: boolean;
}

/** Longest wait for `/cams` before the page plays the default camera instead, ms. */
export const CAMERA_LIST_TIMEOUT_MS = 3000;

/**
 * The cameras of a `/cams` answer, in the server's order; entries without a usable name are
 * left out, and anything that is not a list gives none.
 */
export function parseCameraList(json: unknown): CameraInfo[] {
  if (!Array.isArray(json)) return [];
  const cameras: CameraInfo[] = [];
  for (const entry of json) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { name, online, audio } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') continue;
    cameras.push({ name, online: online === true, audio: audio === true });
  }
  return cameras;
}

/**
 * The page's own server's cameras (`/cams`, relative to the page and with its key), or
 * `undefined` when the server has no such list (an older server, an error, no answer in
 * `timeoutMs`).
 *
 * Read with XMLHttpRequest rather than `fetch`: a page (or a test) that wraps `window.fetch` to
 * watch or adapt the player's stream requests sees only those.
 */
export function fetchCameras(
  pageUrl: string,
  timeoutMs = CAMERA_LIST_TIMEOUT_MS,
): Promise<CameraInfo[] | undefined> {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('GET', buildDataUrl('cams', pageUrl));
    request.responseType = 'json';
    request.timeout = timeoutMs;
    request.setRequestHeader('accept', 'application/json');
    request.onload = () =>
      resolve(request.status === 200 ? parseCameraList(request.response as unknown) : undefined);
    request.onerror = request.ontimeout = request.onabort = () => resolve(undefined);
    request.send();
  });
}

/** A data URL of one camera (`stream`, `av`, `snapshot.jpg`), relative to the page and with its key. */
export function cameraUrl(name: string, resource: string, pageUrl: string): string {
  return buildDataUrl(`cams/${encodeURIComponent(name)}/${resource}`, pageUrl);
}
