/** Where an emulated camera takes its pictures from: a list (cycled) or a function. */
export type EmulatorFrames = readonly Uint8Array[] | ((index: number) => Uint8Array);

/** Returns picture `index` of `frames`. */
export function pickFrame(frames: EmulatorFrames, index: number): Uint8Array {
  if (typeof frames === 'function') return frames(index);
  if (frames.length === 0) throw new RangeError('an emulated camera needs at least one frame');
  return frames[index % frames.length]!;
}

/** What an emulated camera answers to the bytes a host wrote: replies in order. */
export interface CameraEmulator {
  /** Feeds host bytes (any split); returns the reply bytes to send back, in order. */
  receive(bytes: Uint8Array): Uint8Array[];
  /** While true the camera ignores every command, as a hung or powered-off module would. */
  silent: boolean;
}
