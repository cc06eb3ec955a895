import { SerialPort } from 'serialport';
import type { CameraEmulator, EmulatorFrames } from '../../emulator/frames.js';
import { pickFrame } from '../../emulator/frames.js';
import { Ov528Emulator } from '../../emulator/ov528-emulator.js';
import { Vc0706Emulator } from '../../emulator/vc0706-emulator.js';

/** Options of {@link serveEmulatedCamera}. */
export interface ServeCameraOptions {
  /** The device end of a pty pair (or any serial device). */
  path: string;
  /** Protocol to speak. */
  mode: 'stream' | 'vc0706' | 'ov528';
  /** Pictures, cycled (or a function of the picture index). */
  frames: EmulatorFrames;
  /** Line rate the writes are paced at, bits per second with 10 bits per byte (default 115200). */
  baudRate?: number;
  /** Stream mode: frames per second (default: back to back, as fast as the line allows). */
  fps?: number;
  /** Stream mode: bytes written before picture `index` (noise, a partial frame). */
  noise?: (index: number) => Uint8Array | undefined;
  /** Use this emulator instead of a default one for `mode` (vc0706 / ov528). */
  emulator?: CameraEmulator;
}

/** A running emulated camera. */
export interface ServedCamera {
  /** The protocol emulator (set `silent`, `dropReplies`, `corruptPackages` on it). */
  readonly emulator: CameraEmulator | undefined;
  /** Bytes written to the line so far. */
  readonly bytesWritten: number;
  /** Stream mode: pictures started so far. */
  readonly framesWritten: number;
  /** Bytes queued and not yet written: above 0 after a drop means it cut a reply or frame. */
  readonly pendingBytes: number;
  /** Resolves when the device end closed or failed (the link dropped). */
  readonly closed: Promise<void>;
  /** Stops writing and closes the device end. */
  close(): Promise<void>;
}

/** Pacing tick, ms: small enough for smooth output, large enough to stay cheap. */
const TICK_MS = 4;

/**
 * Serves an emulated camera on a serial device end: replies to commands (VC0706,
 * OV528) or pushes frames (stream), with every write paced at `baudRate` because a pty
 * would otherwise deliver at memory speed.
 */
export async function serveEmulatedCamera(options: ServeCameraOptions): Promise<ServedCamera> {
  const baudRate = options.baudRate ?? 115200;
  const bytesPerMs = baudRate / 10 / 1000;
  const port = new SerialPort({ path: options.path, baudRate: 115200, autoOpen: false, hupcl: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const emulator: CameraEmulator | undefined =
    options.emulator ??
    (options.mode === 'vc0706'
      ? new Vc0706Emulator({ frames: options.frames })
      : options.mode === 'ov528'
        ? new Ov528Emulator({ frames: options.frames })
        : undefined);

  const queue: Uint8Array[] = [];
  let queued = 0;
  let bytesWritten = 0;
  let framesWritten = 0;
  let pictureIndex = 0;
  let open = true;
  let credit = 0;
  let last = performance.now();
  let nextFrameAt = performance.now();
  let writing = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const finish = () => {
    if (!open) return;
    open = false;
    clearInterval(timer);
    resolveClosed();
  };
  port.on('close', finish);
  port.on('error', finish);
  port.on('data', (chunk: Uint8Array) => {
    if (!emulator) return;
    for (const reply of emulator.receive(chunk)) {
      queue.push(reply);
      queued += reply.length;
    }
  });

  const tick = () => {
    const now = performance.now();
    // Credit accrues at the line rate; cap it so an idle line does not burst later.
    credit = Math.min(credit + (now - last) * bytesPerMs, Math.max(64, bytesPerMs * 20));
    last = now;
    if (options.mode === 'stream' && queued === 0 && now >= nextFrameAt) {
      const noise = options.noise?.(pictureIndex);
      if (noise && noise.length > 0) {
        queue.push(noise);
        queued += noise.length;
      }
      const frame = pickFrame(options.frames, pictureIndex++);
      queue.push(frame);
      queued += frame.length;
      framesWritten++;
      nextFrameAt = options.fps ? Math.max(now, nextFrameAt + 1000 / options.fps) : now;
    }
    if (writing || queued === 0 || credit < 1) return;
    let budget = Math.floor(credit);
    const parts: Uint8Array[] = [];
    while (budget > 0 && queue.length > 0) {
      const head = queue[0]!;
      const take = Math.min(budget, head.length);
      parts.push(head.subarray(0, take));
      if (take === head.length) queue.shift();
      else queue[0] = head.subarray(take);
      budget -= take;
      queued -= take;
      credit -= take;
    }
    const chunk = Buffer.concat(parts);
    writing = true;
    port.write(chunk, (error) => {
      writing = false;
      if (error) finish();
      else bytesWritten += chunk.length;
    });
  };
  const timer = setInterval(tick, TICK_MS);

  return {
    emulator,
    get bytesWritten() {
      return bytesWritten;
    },
    get framesWritten() {
      return framesWritten;
    },
    get pendingBytes() {
      return queued;
    },
    closed,
    async close() {
      finish();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
