import { accessSync, constants, statSync } from 'node:fs';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { type CameraLink, type OpenSource, SourceEndedError } from '@mjpeg-kit/server';
import { readableSource, syntheticAudioSource, syntheticCameraSource } from '@mjpeg-kit/sources';
import { execSource, mjpegFileSource } from '@mjpeg-kit/sources/node';
import type { AudioSpec, CameraConfig, VideoSpec } from './args.js';
import { NatsCameraSource } from './nats.js';

/** A source that cannot start at all (missing file or device): exit status 1. */
export class SourceStartError extends Error {
  override name = 'SourceStartError';
}

/**
 * Checks what can be checked before listening: the file, device or PCM input exists and is
 * readable. A source that fails later is retried with backoff instead.
 *
 * @throws SourceStartError naming the path and the reason.
 */
export function checkSources(config: Pick<CameraConfig, 'source' | 'audio'>): void {
  const { source, audio } = config;
  if (source.kind === 'file') checkReadable(source.path, 'file');
  if (source.kind === 'serial') checkReadable(source.path, 'serial device', true);
  if (audio.kind === 'pcm' && audio.path !== '-') checkReadable(audio.path, 'PCM input', true);
}

function checkReadable(path: string, what: string, special = false): void {
  try {
    const info = statSync(path);
    if (!special && !info.isFile()) throw new Error('not a regular file');
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new SourceStartError(`cannot open ${what} ${path}: ${(error as Error).message}`);
  }
}

/** How to open a source, and whether it reconnects by itself (then `runSource` adds no delay). */
export interface SourcePlan {
  open: OpenSource;
  reconnects: boolean;
  /** The link the source reads over (a NATS subscription), for `/state` and `/metrics`. */
  link?: CameraLink;
}

/** What a video source reads from its camera's options besides the spec. */
export type VideoSourceOptions = Pick<CameraConfig, 'width' | 'height' | 'fps' | 'sourceTimeoutMs'>;

/**
 * The video source a spec names; with `fpsCap`, its frames are thinned to at most that many
 * per second (sources that pace themselves: exec, serial, stdin, http).
 */
export function cappedVideoSource(spec: VideoSpec, config: VideoSourceOptions, fpsCap?: number): SourcePlan {
  const plan = videoSource(spec, config);
  if (fpsCap === undefined) return plan;
  return {
    ...plan,
    open: async (lifecycle) => capFrameRate(await plan.open(lifecycle), fpsCap),
  };
}

/**
 * `source` with frames closer together than `1 / fps` s dropped (audio passes untouched), so
 * a camera's viewers and snapshots see at most `fps` frames per second.
 */
export async function* capFrameRate<P extends Pick<MediaPacket, 'type'>>(
  source: AsyncIterable<P>,
  fps: number,
  now: () => number = () => performance.now(),
): AsyncGenerator<P, void, undefined> {
  const intervalMs = 1000 / fps;
  // A frame up to 1 ms early still counts as on time: timer and arrival jitter.
  const earlyMs = Math.min(1, intervalMs / 10);
  let lastKeptMs = Number.NEGATIVE_INFINITY;
  for await (const packet of source) {
    if (packet.type !== 'image/jpeg') {
      yield packet;
      continue;
    }
    const at = now();
    if (at - lastKeptMs < intervalMs - earlyMs) continue;
    lastKeptMs = at;
    yield packet;
  }
}

/** The video source a spec names. */
export function videoSource(spec: VideoSpec, config: VideoSourceOptions): SourcePlan {
  switch (spec.kind) {
    case 'synthetic':
      return {
        open: (lifecycle) =>
          syntheticCameraSource({
            ...lifecycle,
            width: config.width,
            height: config.height,
            fps: config.fps,
          }),
        reconnects: false,
      };
    case 'file':
      return {
        open: (lifecycle) => mjpegFileSource(spec.path, { ...lifecycle, fps: config.fps, loop: true }),
        reconnects: false,
      };
    case 'serial':
      return {
        open: async (lifecycle) =>
          (await serialSources()).serialCameraSource({
            ...lifecycle,
            path: spec.path,
            mode: spec.mode,
            baudRate: spec.baudRate,
          }),
        reconnects: true,
      };
    case 'exec':
      return { open: (lifecycle) => execSource(spec.command, lifecycle), reconnects: true };
    case 'stdin':
      // Ends with INPUT_ENDED at the end of stdin: final, the camera goes offline.
      return {
        open: (lifecycle) => readableSource(process.stdin, { ...lifecycle, name: 'standard input' }),
        reconnects: false,
      };
    case 'http':
      // The client reconnects by itself and yields audio too when the upstream is an /av stream.
      return {
        open: async (lifecycle) =>
          (await import('@mjpeg-kit/client')).openStream(spec.url, {
            ...lifecycle,
            idleTimeoutMs: config.sourceTimeoutMs,
            bodies: 'pieces', // relayed with no copy in the parser: the hub joins each frame once
          }),
        reconnects: true,
      };
    case 'nats': {
      // The client fails over across the server list by itself; should it give up, the runner
      // opens it again after its backoff (an edge outlives any outage of the bus).
      const link = new NatsCameraSource(spec, config.sourceTimeoutMs);
      return { open: (lifecycle) => link.open(lifecycle), reconnects: false, link };
    }
  }
}

/** The audio source a spec names, or `undefined` for `none`. */
export function audioSource(spec: AudioSpec): SourcePlan | undefined {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'synthetic':
      return { open: (lifecycle) => syntheticAudioSource(lifecycle), reconnects: false };
    case 'pcm':
      return {
        open: async (lifecycle) => {
          const source = (await serialSources()).pcmAudioSource({
            ...lifecycle,
            input: spec.path,
            sampleRate: spec.sampleRate,
            channels: spec.channels,
          });
          // A file or FIFO is read again from the start; the end of stdin is final.
          return spec.path === '-' ? endingForGood(source, lifecycle.signal, 'standard input ended') : source;
        },
        reconnects: false,
      };
  }
}

/** The Bluetooth sources load the serialport binding: import them only when a spec needs them. */
function serialSources() {
  return import('@mjpeg-kit/bluetooth-source/node');
}

/** `source`, whose end (unless aborted) is final: a {@link SourceEndedError} with `reason`. */
async function* endingForGood(
  source: AsyncIterable<MediaPacket>,
  signal: AbortSignal,
  reason: string,
): AsyncGenerator<MediaPacket, void, undefined> {
  yield* source;
  if (!signal.aborted) throw new SourceEndedError(reason);
}
