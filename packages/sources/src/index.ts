export type { PacketSource } from '@mjpeg-kit/bytes';
export { SourceError, type SourceErrorCode } from './errors.js';
export { MCU_SIZE, McuEncoder, writeJpegHeader } from './jpeg-encoder/mcu-encoder.js';
export type { ReconnectOptions } from './options.js';
export {
  type ReadableSourceOptions,
  type ReadableSourceStats,
  readableSource,
} from './readable-source.js';
export {
  buildSyntheticSecond,
  type SyntheticAudioOptions,
  type SyntheticAudioStats,
  syntheticAudioSource,
} from './synthetic/synthetic-audio.js';
export {
  type SyntheticCameraOptions,
  type SyntheticCameraStats,
  syntheticCameraSource,
} from './synthetic/synthetic-camera.js';
export {
  DEFAULT_TEST_PATTERN_QUALITY,
  type TestPatternOptions,
  TestPatternRenderer,
} from './synthetic/test-pattern.js';
