export { type CameraEmulator, type EmulatorFrames, pickFrame } from './emulator/frames.js';
export { Ov528Emulator, type Ov528EmulatorOptions } from './emulator/ov528-emulator.js';
export { Vc0706Emulator, type Vc0706EmulatorOptions } from './emulator/vc0706-emulator.js';
export { createPtyPair, type PtyPair } from './node/testing/pty-pair.js';
export {
  type ServeCameraOptions,
  type ServedCamera,
  serveEmulatedCamera,
} from './node/testing/serve-camera.js';
