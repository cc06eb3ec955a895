import { ServerError } from './errors.js';
import type { HubState, MjpegHub } from './hub.js';
import type { SourceRun } from './run-source.js';

/** A camera name: lowercase letters, digits, `_` and `-`, 1–32 characters, starting alphanumeric. */
export const CAMERA_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The name a bare hub's camera gets when a handler serves a hub alone. */
export const DEFAULT_CAMERA_NAME = 'default';

/**
 * A camera's link beyond this server, as `/state` (`links`) and `/metrics` (`mjpeg_kit_link_*`)
 * show it: an edge's subscription to the bus its frames come from, an origin's publisher.
 */
export interface CameraLinkState {
  /** What the link is, e.g. `'nats-source'` (frames arrive over it) or `'nats-publish'` (they leave). */
  kind: string;
  /** Whether the link's connection is up. */
  connected: boolean;
  /** The server it is connected to, with any credentials removed. */
  server?: string;
  /** Reconnects of its connection since it started. */
  reconnects: number;
  /** Frames given up: not sent (publisher) or not served because a piece was missing (edge). */
  framesDropped: number;
  /** Pieces of frames that never arrived (edge) or failed to go out (publisher). */
  piecesLost: number;
  /** An edge's view of the far end: whether the origin is delivering. Absent for a publisher. */
  originOnline?: boolean;
}

/** A live view of one link; `state` is read at each `/state` request and `/metrics` scrape. */
export interface CameraLink {
  readonly state: CameraLinkState;
}

/** One named camera of a server: its own hub, source runs and audio flag. */
export interface Camera {
  readonly name: string;
  readonly hub: MjpegHub;
  /** The source runs feeding this camera (video first, then audio), for /state, /cams and /metrics. */
  readonly runs: readonly SourceRun[];
  /** Whether this camera may carry audio (it has an audio source, or relays a stream that may bring some). */
  readonly audio: boolean;
  /** Its links beyond this server (may be filled after the camera is added, as `runs`). */
  readonly links?: readonly CameraLink[];
}

/** A camera's `/state`: its hub's state, with `links` when it has any. */
export function cameraState(camera: Camera): HubState & { links?: CameraLinkState[] } {
  const state = camera.hub.getState();
  const links = camera.links;
  if (links === undefined || links.length === 0) return state;
  return { ...state, links: links.map((link) => link.state) };
}

/**
 * The cameras of one server, in the order added. The first is the default camera: the
 * single-camera URLs (`/stream`, `/snapshot.jpg`, `/av`, `/audio.wav`, `/state`) serve it, and
 * positions (`/?action=stream_N`, `/webcamN/`) count from it.
 *
 * @example
 * ```ts
 * const cameras = new CameraRegistry();
 * for (const name of ['front', 'desk']) {
 *   const hub = new MjpegHub();
 *   cameras.add({ name, hub, runs: [runSource(hub, openFor(name))], audio: false });
 * }
 * http.createServer(createMjpegHandler(cameras)).listen(8080);
 * ```
 */
export class CameraRegistry implements Iterable<Camera> {
  readonly #byName = new Map<string, Camera>();
  readonly #inOrder: Camera[] = [];

  /** @throws ServerError `INVALID_CAMERA` for a bad or duplicate name among `cameras`. */
  constructor(cameras: Iterable<Camera> = []) {
    for (const camera of cameras) this.add(camera);
  }

  /** Adds a camera after the others. Throws ServerError('INVALID_CAMERA') for a bad or duplicate name. Returns the camera. */
  add(camera: Camera): Camera {
    const name: unknown = camera?.name;
    if (typeof name !== 'string' || !CAMERA_NAME_PATTERN.test(name)) {
      throw new ServerError(
        'INVALID_CAMERA',
        `camera name ${JSON.stringify(name)} is not 1–32 of a-z, 0-9, _ and -, starting with a letter or digit`,
        { option: 'name' },
      );
    }
    if (this.#byName.has(name)) {
      throw new ServerError('INVALID_CAMERA', `camera name "${name}" is taken`, { option: 'name' });
    }
    if (typeof camera.hub?.addViewer !== 'function') {
      throw new ServerError('INVALID_CAMERA', `camera "${name}" has no hub`, { option: 'hub' });
    }
    if (!Array.isArray(camera.runs)) {
      throw new ServerError('INVALID_CAMERA', `camera "${name}": runs must be an array`, { option: 'runs' });
    }
    if (camera.links !== undefined && !Array.isArray(camera.links)) {
      throw new ServerError('INVALID_CAMERA', `camera "${name}": links must be an array`, {
        option: 'links',
      });
    }
    if (typeof camera.audio !== 'boolean') {
      throw new ServerError('INVALID_CAMERA', `camera "${name}": audio must be a boolean`, {
        option: 'audio',
      });
    }
    this.#byName.set(name, camera);
    this.#inOrder.push(camera);
    return camera;
  }

  /** The camera of that name, or `undefined`. */
  get(name: string): Camera | undefined {
    return this.#byName.get(name);
  }

  /** By position in the order added, from 0 (mjpg-streamer's stream_N, crowsnest's /webcamN). */
  at(index: number): Camera | undefined {
    return Number.isInteger(index) && index >= 0 ? this.#inOrder[index] : undefined;
  }

  /**
   * The first camera added: the phase 1 URLs (/stream, /snapshot.jpg, /av, /audio.wav, /state) serve it.
   *
   * @throws ServerError `INVALID_CAMERA` when the registry is empty.
   */
  get default(): Camera {
    const camera = this.#inOrder[0];
    if (camera === undefined) throw new ServerError('INVALID_CAMERA', 'the camera registry is empty');
    return camera;
  }

  /** How many cameras there are. */
  get size(): number {
    return this.#inOrder.length;
  }

  /** The names, in order. */
  names(): string[] {
    return this.#inOrder.map((camera) => camera.name);
  }

  [Symbol.iterator](): IterableIterator<Camera> {
    return this.#inOrder[Symbol.iterator]();
  }

  /** Closes every hub (each run stops with its hub). */
  async close(): Promise<void> {
    await Promise.all(this.#inOrder.map((camera) => camera.hub.close()));
  }
}
