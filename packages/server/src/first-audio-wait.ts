import type { MjpegHub } from './hub.js';

/**
 * `/audio.wav` requests waiting for a hub's first audio packet. The wait is the hub's own
 * (`hub.waitForAudio`): it adds no listener to the hub, and it counts as activity, so a source
 * that starts only for viewers (`runSource` with `idleStopMs`) starts for the listener.
 */
export class FirstAudioWait {
  readonly #hub: MjpegHub;

  constructor(hub: MjpegHub) {
    this.#hub = hub;
  }

  /**
   * Resolves `true` once the hub has audio (at once if it has), `false` after `timeoutMs`
   * without any, or when `signal` aborts first.
   */
  wait(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    return this.#hub.waitForAudio(timeoutMs, signal);
  }
}
