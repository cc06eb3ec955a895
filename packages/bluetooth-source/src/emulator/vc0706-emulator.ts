import { encodeAscii } from '@mjpeg-kit/bytes';
import {
  VC0706_COMMAND,
  VC0706_FBUF_CTRL,
  VC0706_GEN_VERSION,
  VC0706_GET_FBUF_LEN,
  VC0706_READ_FBUF,
  VC0706_REPLY,
  VC0706_RESET,
  VC0706_RESUME_FRAME,
  VC0706_WRITE_DATA,
} from '../camera/vc0706.js';
import { type CameraEmulator, type EmulatorFrames, pickFrame } from './frames.js';

/** Options of {@link Vc0706Emulator}. */
export interface Vc0706EmulatorOptions {
  /** Pictures the camera captures, in turn. */
  frames: EmulatorFrames;
  /** Serial number byte it answers to (default 0). */
  serialNumber?: number;
  /** Pad the frame buffer with zeros to a multiple of this, as real firmware does (default 8). */
  padTo?: number;
}

const BOOT_TEXT = encodeAscii('VC0703 1.00\r\nCtrl infr exist\r\nUser-defined sensor\r\n525\r\nInit end\r\n');
const VERSION = encodeAscii('VC0703 1.00');
const STATUS_UNSUPPORTED = 0x03;

/**
 * A VC0706 camera in software: answers RESET (with boot text), GEN_VERSION, WRITE_DATA
 * (the image size register), FBUF_CTRL (freeze / resume), GET_FBUF_LEN and READ_FBUF.
 * Use `silent` to make it stop answering and `dropReplies` to lose the next replies.
 */
export class Vc0706Emulator implements CameraEmulator {
  silent = false;
  /** The next this-many replies are swallowed (a lost reply on the line). */
  dropReplies = 0;
  /** Image size register last written (0x00 640×480, 0x11 320×240, 0x22 160×120). */
  sizeRegister = 0x00;
  readonly stats = { commands: 0, captures: 0, resets: 0 };
  private input: number[] = [];
  private frozen: Uint8Array | undefined;
  private captured = 0;

  constructor(private readonly options: Vc0706EmulatorOptions) {}

  receive(bytes: Uint8Array): Uint8Array[] {
    const replies: Uint8Array[] = [];
    for (const byte of bytes) this.input.push(byte);
    for (;;) {
      while (this.input.length > 0 && this.input[0] !== VC0706_COMMAND) this.input.shift();
      if (this.input.length < 4) break;
      const length = 4 + this.input[3]!;
      if (this.input.length < length) break;
      const command = this.input.splice(0, length);
      if (this.silent || command[1] !== (this.options.serialNumber ?? 0)) continue;
      this.stats.commands++;
      const reply = this.answer(command[2]!, command.slice(4));
      if (this.dropReplies > 0) {
        this.dropReplies--;
        continue;
      }
      replies.push(...reply);
    }
    return replies;
  }

  private header(code: number, status = 0, length = 0): Uint8Array {
    return Uint8Array.from([VC0706_REPLY, this.options.serialNumber ?? 0, code, status, length]);
  }

  private answer(code: number, args: number[]): Uint8Array[] {
    switch (code) {
      case VC0706_RESET:
        this.stats.resets++;
        this.frozen = undefined;
        return [this.header(code), BOOT_TEXT];
      case VC0706_GEN_VERSION:
        return [this.header(code, 0, VERSION.length), VERSION];
      case VC0706_WRITE_DATA:
        if (args[2] === 0x00 && args[3] === 0x19 && args[4] !== undefined) this.sizeRegister = args[4];
        return [this.header(code)];
      case VC0706_FBUF_CTRL:
        if (args[0] === VC0706_RESUME_FRAME) this.frozen = undefined;
        else this.frozen ??= this.capture();
        return [this.header(code)];
      case VC0706_GET_FBUF_LEN: {
        const length = (this.frozen ??= this.capture()).length;
        return [
          this.header(code, 0, 4),
          Uint8Array.from([length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]),
        ];
      }
      case VC0706_READ_FBUF: {
        const buffer = (this.frozen ??= this.capture());
        const address = ((args[2]! << 24) | (args[3]! << 16) | (args[4]! << 8) | args[5]!) >>> 0;
        const count = ((args[6]! << 24) | (args[7]! << 16) | (args[8]! << 8) | args[9]!) >>> 0;
        const data = new Uint8Array(count);
        data.set(buffer.subarray(Math.min(address, buffer.length), Math.min(address + count, buffer.length)));
        return [this.header(code), data, this.header(code)];
      }
      default:
        return [this.header(code, STATUS_UNSUPPORTED)];
    }
  }

  private capture(): Uint8Array {
    this.stats.captures++;
    const frame = pickFrame(this.options.frames, this.captured++);
    const padTo = this.options.padTo ?? 8;
    const padded = new Uint8Array(Math.ceil(frame.length / padTo) * padTo);
    padded.set(frame);
    return padded;
  }
}
