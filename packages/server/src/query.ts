/** Largest `?fps=` a viewer may ask for. */
export const MAX_FPS = 1000;
/** Largest `?max_delay=` on snapshots, ms. */
export const MAX_SNAPSHOT_DELAY_MS = 3_600_000;

/** The stream choices a query string can make. */
export interface StreamQuery {
  fps?: number;
  raw: boolean;
  legacy: boolean;
  advanceHeaders: boolean;
  dualFinalFrames: boolean;
  audio: 'l16' | 'pcmu';
}

/** A query value the server cannot honour: answered with 400 and this message. */
export class QueryError extends Error {
  override name = 'QueryError';
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const INTEGER = /^\d+$/;

/** Reads a boolean flag: `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off` (or empty: present means on). */
export function readFlag(params: URLSearchParams, name: string): boolean {
  const value = params.get(name);
  if (value === null) return false;
  switch (value.toLowerCase()) {
    case '':
    case '1':
    case 'true':
    case 'yes':
    case 'on':
      return true;
    case '0':
    case 'false':
    case 'no':
    case 'off':
      return false;
    default:
      throw new QueryError(`${name}=${truncate(value)} is not a flag (use 1 or 0)`);
  }
}

/** Reads the stream parameters of `/stream`, `/av` and their aliases. */
export function readStreamQuery(params: URLSearchParams): StreamQuery {
  const query: StreamQuery = {
    raw: readFlag(params, 'raw'),
    legacy: readFlag(params, 'legacy'),
    advanceHeaders: readFlag(params, 'advance_headers'),
    dualFinalFrames: readFlag(params, 'dual_final_frames'),
    audio: 'l16',
  };
  const fps = params.get('fps');
  if (fps !== null) {
    const value = DECIMAL.test(fps) ? Number(fps) : Number.NaN;
    if (!(value > 0) || value > MAX_FPS) {
      throw new QueryError(`fps=${truncate(fps)} must be a number above 0 and at most ${MAX_FPS}`);
    }
    query.fps = value;
  }
  const audio = params.get('audio');
  if (audio !== null) {
    const lower = audio.toLowerCase();
    if (lower === 'pcmu' || lower === 'ulaw' || lower === 'mulaw') query.audio = 'pcmu';
    else if (lower !== 'l16' && lower !== 'pcm' && lower !== '') {
      throw new QueryError(`audio=${truncate(audio)} must be l16 or pcmu`);
    }
  }
  return query;
}

/** Reads `?max_delay=MS` of snapshots (whole milliseconds). */
export function readMaxDelay(params: URLSearchParams, defaultMs: number): number {
  const value = params.get('max_delay');
  if (value === null) return defaultMs;
  const ms = INTEGER.test(value) ? Number(value) : Number.NaN;
  if (!(ms >= 0) || ms > MAX_SNAPSHOT_DELAY_MS) {
    throw new QueryError(
      `max_delay=${truncate(value)} must be whole milliseconds from 0 to ${MAX_SNAPSHOT_DELAY_MS}`,
    );
  }
  return ms;
}

function truncate(value: string): string {
  const shown = value.length > 32 ? `${value.slice(0, 32)}…` : value;
  return JSON.stringify(shown);
}
