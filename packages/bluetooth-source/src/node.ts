export { type NodePcmAudioOptions, pcmAudioSource } from './node/pcm-audio.js';
export { type SerialCameraOptions, serialCameraSource } from './node/serial-camera.js';
export { adaptSerialPort, DEFAULT_WATCH_PATH_MS, openSerialPort } from './node/serial-port.js';
