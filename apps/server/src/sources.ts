import { accessSync, constants, statSync } from 'node:fs';
import { backoffDelayMs, syntheticAudioSource, syntheticCameraSource } from '@mjpeg-kit/bluetooth-source';
import type { LifecycleOptions, MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { nowMs } from '@mjpeg-kit/bytes';
import type { AudioSpec, ServerConfig, VideoSpec } from './args.js';
import type { Logger } from './log.js';

/** A source that cannot start at all (missing file or device): exit status 1. */
export class SourceStartError extends Error {
  override name = 'SourceStartError';
}

/** Opens one run of a source; called again for every restart. */
export type OpenSource = (
  lifecycle: Required<Pick<LifecycleOptions, 'signal'>> & LifecycleOptions,
) => AsyncIterable<MediaPacket>;

/** The `/state` name of a video source kind. */
export function describeSource(spec: VideoSpec): string {
  return spec.kind;
}

/**
 * Checks what can be checked before listening: the file, device or PCM input exists and is
 * readable. A source that fails later is retried with backoff instead.
 *
 * @throws SourceStartError naming the path and the reason.
 */
export function checkSources(config: ServerConfig): void {
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

/** The opener of the video source a spec names. */
export function videoOpener(spec: VideoSpec, config: ServerConfig): OpenSource {
  switch (spec.kind) {
    case 'synthetic':
      return (lifecycle) =>
        syntheticCameraSource({ ...lifecycle, width: config.width, height: config.height, fps: config.fps });
    case 'file':
      return (lifecycle) =>
        lazy(async () =>
          (await nodeSources()).mjpegFileSource(spec.path, { ...lifecycle, fps: config.fps, loop: true }),
        );
    case 'serial':
      return (lifecycle) =>
        lazy(async () =>
          (await nodeSources()).serialCameraSource({
            ...lifecycle,
            path: spec.path,
            mode: spec.mode,
            baudRate: spec.baudRate,
          }),
        );
    case 'exec':
      return (lifecycle) => lazy(async () => (await nodeSources()).execSource(spec.command, lifecycle));
    case 'stdin':
      return (lifecycle) => stdinFrames(lifecycle.signal);
    case 'http':
      // The client reconnects by itself and yields audio too when the upstream is an /av stream.
      return (lifecycle) =>
        lazy(async () =>
          (await import('@mjpeg-kit/client')).openStream(spec.url, {
            ...lifecycle,
            idleTimeoutMs: config.sourceTimeoutMs,
          }),
        );
  }
}

/** The opener of the audio source a spec names, or `undefined` for `none`. */
export function audioOpener(spec: AudioSpec): OpenSource | undefined {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'synthetic':
      return (lifecycle) => syntheticAudioSource(lifecycle);
    case 'pcm':
      return (lifecycle) =>
        lazy(async () =>
          (await nodeSources()).pcmAudioSource({
            ...lifecycle,
            input: spec.path,
            sampleRate: spec.sampleRate,
            channels: spec.channels,
          }),
        );
  }
}

/** The Node sources load the serialport binding: import them only when a spec needs them. */
function nodeSources() {
  return import('@mjpeg-kit/bluetooth-source/node');
}

async function* lazy(
  load: () => Promise<AsyncIterable<MediaPacket>>,
): AsyncGenerator<MediaPacket, void, undefined> {
  yield* await load();
}

async function* stdinFrames(signal: AbortSignal): AsyncGenerator<MediaPacket, void, undefined> {
  const { scanJpegFrames } = await import('@mjpeg-kit/jpeg-scanner');
  let seq = 0;
  try {
    for await (const body of scanJpegFrames(process.stdin, { signal })) {
      yield { type: 'image/jpeg', body, timestamp: nowMs(), seq: seq++ };
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  if (!signal.aborted) throw new Error('standard input ended');
}

/** Options of {@link SourceRunner}. */
export interface SourceRunnerOptions {
  /** `video` sources update `/state`; `audio` ones only log. */
  role: 'video' | 'audio';
  open: OpenSource;
  publish: (packet: MediaPacket) => void;
  log: Logger;
  /** Health for `/state`. */
  onHealth?: (online: boolean, error?: string) => void;
  /** Backoff between restarts (default 500 ms to 10 s, with jitter). */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs a source and keeps it running: publishes its packets, reports its health, and when
 * it ends or fails, restarts it after an exponential backoff with jitter (reset once it
 * delivers again). `stop()` aborts it (for `--idle-stop` and shutdown); `start()` resumes.
 */
export class SourceRunner {
  readonly #options: SourceRunnerOptions;
  #controller: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: SourceRunnerOptions) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#controller !== undefined;
  }

  start(): void {
    if (this.#controller !== undefined) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#loop = this.#run(controller.signal);
  }

  async stop(): Promise<void> {
    const controller = this.#controller;
    if (controller === undefined) return;
    this.#controller = undefined;
    controller.abort();
    await this.#loop;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const { role, open, publish, log, onHealth } = this.#options;
    let failures = 0;
    while (!signal.aborted) {
      let delivered = false;
      let error: unknown;
      const onStatus = (event: StatusEvent) => {
        if (event.state === 'open') {
          onHealth?.(true);
          log.debug(`${role} source open`);
        } else if (event.state === 'reconnecting') {
          const message = event.error?.message ?? 'reconnecting';
          onHealth?.(false, message);
          log.warn(`${role} source lost (${message}); retrying in ${event.delayMs ?? '?'} ms`);
        }
      };
      try {
        for await (const packet of open({ signal, onStatus })) {
          if (!delivered) {
            delivered = true;
            failures = 0;
            onHealth?.(true);
          }
          publish(packet);
        }
        if (!signal.aborted) error = new Error('the source ended');
      } catch (caught) {
        error = caught;
      }
      if (signal.aborted) break;
      failures++;
      const message = error instanceof Error ? error.message : String(error);
      onHealth?.(false, message);
      const delayMs = backoffDelayMs(failures, {
        minDelayMs: this.#options.minDelayMs,
        maxDelayMs: this.#options.maxDelayMs,
      });
      log.warn(`${role} source stopped: ${message}; restarting in ${delayMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delayMs);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
    onHealth?.(false);
  }
}
