export type { PacketSource } from '@mjpeg-kit/bytes';
export { backoffDelayMs, DEFAULT_MAX_DELAY_MS, DEFAULT_MIN_DELAY_MS } from '@mjpeg-kit/bytes';
export { type PortCameraOptions, portCameraSource } from './camera/camera-source.js';
export { Ov528Camera, type Ov528Options, type Ov528Resolution } from './camera/ov528.js';
export { type CameraPort, type OpenCameraPort, PortReader } from './camera/port.js';
export {
  type CameraMode,
  type CameraSession,
  type CameraSessionOptions,
  type CameraSourceStats,
  createCameraStats,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
} from './camera/session.js';
export { StreamCamera, type StreamModeOptions } from './camera/stream-mode.js';
export { Vc0706Camera, type Vc0706Options, type Vc0706Resolution } from './camera/vc0706.js';
export { SourceError, type SourceErrorCode } from './errors.js';
export type { ReconnectOptions } from './options.js';
export {
  type ByteOrder,
  type PcmAudioOptions,
  type PcmAudioStats,
  PcmPacketizer,
  type PcmPacketizerOptions,
  pcmAudioSource,
} from './pcm-audio.js';
