import type { ClientStatsLike } from './player-options.js';

/**
 * Live stats for an `openStream` option whose stream is picked, or replaced, after it returns:
 * each read asks `current()` for the stream playing now (`fps`, `bitrateBps` and `framesDropped`
 * read 0, `latencyMs` and `parser` `undefined`, while there is none) and `transport()` for its path.
 *
 * @example
 * ```ts
 * let current: WsCameraStream | undefined;
 * const stats = followStreamStats(() => current, () => 'ws' as const);
 * ```
 */
export function followStreamStats<T extends 'ws' | 'av' | undefined>(
  current: () => { readonly stats: ClientStatsLike } | undefined,
  transport: () => T,
): ClientStatsLike & { readonly transport: T } {
  return {
    get fps() {
      return current()?.stats.fps ?? 0;
    },
    get bitrateBps() {
      return current()?.stats.bitrateBps ?? 0;
    },
    get framesDropped() {
      return current()?.stats.framesDropped ?? 0;
    },
    get latencyMs() {
      return current()?.stats.latencyMs;
    },
    get parser() {
      return current()?.stats.parser;
    },
    get transport() {
      return transport();
    },
  };
}
