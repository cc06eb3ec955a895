import {
  commandBytes,
  OV528_ACK,
  OV528_DATA,
  OV528_END_OF_TRANSFER,
  OV528_GET_PICTURE,
  OV528_INITIAL,
  OV528_PACKAGE_OVERHEAD,
  OV528_PREFIX,
  OV528_SET_PACKAGE_SIZE,
  OV528_SNAPSHOT,
  OV528_SYNC,
} from '../camera/ov528.js';
import { type CameraEmulator, type EmulatorFrames, pickFrame } from './frames.js';

/** Options of {@link Ov528Emulator}. */
export interface Ov528EmulatorOptions {
  /** Pictures the camera takes, in turn. */
  frames: EmulatorFrames;
  /** SYNC commands ignored before the camera answers, as a waking module does (default 2). */
  syncDelay?: number;
}

/**
 * An OV528-protocol camera in software (C328 / µCAM-II / Grove): SYNC handshake,
 * INITIAL, SET PACKAGE SIZE, SNAPSHOT, GET PICTURE with the DATA announcement, and data
 * packages sent for each host ACK carrying their id. `corruptPackages` makes the next
 * packages carry a wrong checksum (the host must request them again).
 */
export class Ov528Emulator implements CameraEmulator {
  silent = false;
  /** The next this-many packages are sent with a wrong verify code. */
  corruptPackages = 0;
  readonly stats = { commands: 0, snapshots: 0, packages: 0, syncs: 0 };
  /** Package size set by the host (default 64 until SET PACKAGE SIZE). */
  packageBytes = 64;
  private input: number[] = [];
  private picture: Uint8Array | undefined;
  private taken = 0;
  private ackCounter = 0;

  constructor(private readonly options: Ov528EmulatorOptions) {}

  receive(bytes: Uint8Array): Uint8Array[] {
    const replies: Uint8Array[] = [];
    for (const byte of bytes) this.input.push(byte);
    for (;;) {
      while (this.input.length > 0 && this.input[0] !== OV528_PREFIX) this.input.shift();
      if (this.input.length < 6) break;
      const command = this.input.splice(0, 6);
      if (this.silent) continue;
      this.stats.commands++;
      replies.push(...this.answer(command));
    }
    return replies;
  }

  private ack(id: number): Uint8Array {
    this.ackCounter = (this.ackCounter + 1) & 0xff;
    return commandBytes(OV528_ACK, [id, this.ackCounter, 0, 0]);
  }

  private answer(command: number[]): Uint8Array[] {
    const [, id, p1, p2, p3, p4] = command as [number, number, number, number, number, number];
    switch (id) {
      case OV528_SYNC:
        this.stats.syncs++;
        if (this.stats.syncs <= (this.options.syncDelay ?? 2)) return [];
        return [this.ack(OV528_SYNC), commandBytes(OV528_SYNC, [0, 0, 0, 0])];
      case OV528_INITIAL:
        return [this.ack(id)];
      case OV528_SET_PACKAGE_SIZE:
        this.packageBytes = p2 | (p3 << 8);
        return [this.ack(id)];
      case OV528_SNAPSHOT:
        this.stats.snapshots++;
        this.picture = pickFrame(this.options.frames, this.taken++);
        return [this.ack(id)];
      case OV528_GET_PICTURE: {
        this.picture ??= pickFrame(this.options.frames, this.taken++);
        const length = this.picture.length;
        return [
          this.ack(id),
          commandBytes(OV528_DATA, [p1, length & 0xff, (length >> 8) & 0xff, length >> 16]),
        ];
      }
      case OV528_ACK: {
        if (p1 !== 0x00) return []; // the host's ACK of our SYNC
        const packageId = p3 | (p4 << 8);
        if (packageId === OV528_END_OF_TRANSFER || !this.picture) {
          if (packageId === OV528_END_OF_TRANSFER) this.picture = undefined;
          return [];
        }
        return [this.package(this.picture, packageId)];
      }
      default:
        return [];
    }
  }

  private package(picture: Uint8Array, id: number): Uint8Array {
    const payload = this.packageBytes - OV528_PACKAGE_OVERHEAD;
    const start = Math.min(picture.length, id * payload);
    const data = picture.subarray(start, Math.min(picture.length, start + payload));
    const out = new Uint8Array(data.length + OV528_PACKAGE_OVERHEAD);
    out[0] = id & 0xff;
    out[1] = id >> 8;
    out[2] = data.length & 0xff;
    out[3] = data.length >> 8;
    out.set(data, 4);
    let sum = 0;
    for (let i = 0; i < data.length + 4; i++) sum += out[i]!;
    out[data.length + 4] = (sum + (this.corruptPackages > 0 ? 1 : 0)) & 0xff;
    if (this.corruptPackages > 0) this.corruptPackages--;
    this.stats.packages++;
    return out;
  }
}
