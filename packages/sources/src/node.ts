export { type ExecSourceOptions, type ExecSourceStats, execSource } from './node/exec-source.js';
export { type MjpegFileOptions, type MjpegFileStats, mjpegFileSource } from './node/mjpeg-file.js';
