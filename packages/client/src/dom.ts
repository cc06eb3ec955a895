// The player's decoders under their established names; the one implementation is in @mjpeg-kit/bytes.
export { decodeMulawFloat32 as decodePcmu, readL16Float32 as decodeL16 } from '@mjpeg-kit/bytes';
export {
  type AudioOutputOptions,
  type AudioStats,
  DEFAULT_JITTER_BUFFER_MS,
  DEFAULT_MAX_AUDIO_BUFFER_MS,
} from './dom/audio-output.js';
export { type DecoderKind, getAvailableDecoders } from './dom/decoders.js';
export { PlayerError, type PlayerErrorCode, type PlayerErrorOptions } from './dom/errors.js';
export { followStreamStats } from './dom/follow-stats.js';
export { LinearResampler } from './dom/linear-resampler.js';
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
export {
  DEFAULT_WS_OPEN_TIMEOUT_MS,
  deriveWsTarget,
  forgetWsProbes,
  type PlayerTransport,
  type WsTarget,
} from './dom/ws-transport.js';
