export { JpegError, type JpegErrorCode } from './errors.js';
export { type JpegComponentSampling, type JpegInfo, readJpegInfo } from './info.js';
export { type ScanJpegFramesOptions, scanJpegFrames } from './scan-frames.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  type FrameForm,
  type FrameOf,
  JpegScanner,
  type JpegScannerOptions,
  type JpegScannerStats,
} from './scanner.js';
