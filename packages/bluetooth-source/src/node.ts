export { type ExecSourceOptions, type ExecSourceStats, execSource } from './node/exec-source.js';
export { type MjpegFileOptions, type MjpegFileStats, mjpegFileSource } from './node/mjpeg-file.js';
export { type NodePcmAudioOptions, pcmAudioSource } from './node/pcm-audio.js';
export { type SerialCameraOptions, serialCameraSource } from './node/serial-camera.js';
export { adaptSerialPort, DEFAULT_WATCH_PATH_MS, openSerialPort } from './node/serial-port.js';
