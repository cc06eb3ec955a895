import type { PlayerStats } from '@mjpeg-kit/client/dom';

/** `1.23 Mbit/s`, `850 kbit/s`, `–` when unknown. */
export function formatBitrate(bitsPerSecond: number): string {
  if (!(bitsPerSecond > 0)) return '–';
  if (bitsPerSecond >= 1e6) return `${(bitsPerSecond / 1e6).toFixed(2)} Mbit/s`;
  return `${Math.round(bitsPerSecond / 1e3)} kbit/s`;
}

/** `42 ms`, `–` when unknown. */
export function formatMs(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '–' : `${Math.round(ms)} ms`;
}

/** The overlay's rows, as text. */
export function formatStats(stats: PlayerStats): Record<string, string> {
  const audio = stats.audio;
  return {
    fps: stats.parser === 'img' ? 'native' : `${stats.drawFps} / ${Math.round(stats.fps)}`,
    size: stats.width > 0 ? `${stats.width}×${stats.height}` : '–',
    bitrate: formatBitrate(stats.bitrateBps),
    latency: formatMs(stats.drawLatencyMs ?? stats.latencyMs),
    dropped: `${stats.framesDropped + stats.framesSkipped}`,
    path:
      stats.parser === undefined
        ? '–'
        : stats.parser === 'img'
          ? 'img (native)'
          : `${stats.parser} → ${stats.decoder}`,
    audio: audio
      ? `${audio.muted ? 'muted' : 'on'} · ${audio.sourceSampleRateHz ? `${audio.sourceSampleRateHz / 1000} kHz` : 'waiting'} · ${Math.round(audio.bufferedMs)} ms`
      : 'off',
  };
}
