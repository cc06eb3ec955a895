export {
  type AudioOutputOptions,
  type AudioStats,
  DEFAULT_JITTER_BUFFER_MS,
  DEFAULT_MAX_AUDIO_BUFFER_MS,
} from './dom/audio-output.js';
export { type DecoderKind, getAvailableDecoders } from './dom/decoders.js';
export { PlayerError, type PlayerErrorCode } from './dom/errors.js';
export { decodeL16, decodePcmu, LinearResampler } from './dom/pcm.js';
export { MjpegPlayer } from './dom/player.js';
export {
  type ClientStatsLike,
  DEFAULT_MAX_AV_DELAY_MS,
  DEFAULT_STATS_INTERVAL_MS,
  type DrawnFrameInfo,
  type MjpegPlayerOptions,
  type PacketStream,
  type PlayerState,
  type PlayerStats,
  type PlayerStreamOptions,
} from './dom/player-options.js';
