import type { MjpegHub } from './hub.js';

/**
 * `/audio.wav` requests waiting for a hub's first audio packet. They share one `audio` listener,
 * added while any request waits and removed when none does, so neither many waiting requests
 * nor many handlers leave listeners on the hub.
 */
export class FirstAudioWait {
  readonly #hub: MjpegHub;
  readonly #waiting = new Set<() => void>();
  readonly #wake = () => {
    for (const finish of [...this.#waiting]) finish();
  };

  constructor(hub: MjpegHub) {
    this.#hub = hub;
  }

  /**
   * Resolves `true` once the hub has audio (at once if it has), `false` after `timeoutMs`
   * without any, or when `signal` aborts first.
   */
  wait(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const hub = this.#hub;
    if (hub.hasAudio) return Promise.resolve(true);
    if (signal.aborted || hub.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        this.#waiting.delete(finish);
        if (this.#waiting.size === 0) hub.off('audio', this.#wake);
        resolve(hub.hasAudio);
      };
      const timer = setTimeout(finish, timeoutMs);
      signal.addEventListener('abort', finish, { once: true });
      if (this.#waiting.size === 0) hub.on('audio', this.#wake);
      this.#waiting.add(finish);
    });
  }
}
