import { encodeAscii } from '@mjpeg-kit/bytes';
import { SourceError } from '../errors.js';
import { invalidOption } from '../options.js';
import type { PortReader } from './port.js';
import {
  type CameraSession,
  type CameraSessionOptions,
  type CameraSourceStats,
  checkSessionOptions,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  isWholeJpeg,
  transferMs,
} from './session.js';

/** VC0706 protocol bytes (VC0706 user guide: commands start 0x56, replies 0x76). */
export const VC0706_COMMAND = 0x56;
export const VC0706_REPLY = 0x76;
export const VC0706_GEN_VERSION = 0x11;
export const VC0706_RESET = 0x26;
export const VC0706_WRITE_DATA = 0x31;
export const VC0706_READ_FBUF = 0x32;
export const VC0706_GET_FBUF_LEN = 0x34;
export const VC0706_FBUF_CTRL = 0x36;
/** FBUF_CTRL arguments: stop (freeze) the current frame, resume live capture. */
const VC0706_STOP_CURRENT_FRAME = 0x00;
export const VC0706_RESUME_FRAME = 0x03;

/** Image sizes the VC0706 knows, with their register values. */
const VC0706_RESOLUTIONS = { '640x480': 0x00, '320x240': 0x11, '160x120': 0x22 } as const;
/** A VC0706 image size. */
export type Vc0706Resolution = keyof typeof VC0706_RESOLUTIONS;

/** Options of {@link Vc0706Camera}. */
export interface Vc0706Options extends CameraSessionOptions {
  /** The camera's serial number byte (default 0). */
  serialNumber?: number;
  /** Image size to set at start (default: leave the camera's). Needs a reset to apply. */
  resolution?: Vc0706Resolution;
  /** Send RESET at start and wait for the boot text (default true). */
  reset?: boolean;
  /** Longest wait for the boot text after RESET, ms (default 2000). */
  resetTimeoutMs?: number;
  /** Bytes per READ_FBUF request, a multiple of 8 (default 1024). */
  blockBytes?: number;
}

const INIT_END = encodeAscii('Init end');
/** The camera's "delay" argument of READ_FBUF, in 0.01 ms units. */
const READ_DELAY = 0x000a;

/**
 * Drives a VC0706-family serial JPEG camera (the "TTL serial camera" modules often
 * bridged over Bluetooth SPP): RESET, optional image size, then per frame FBUF_CTRL stop
 * (freeze), GET_FBUF_LEN, READ_FBUF in blocks and FBUF_CTRL resume. Every command is
 * resent after a lost or garbled reply, up to `retries` times.
 */
export class Vc0706Camera implements CameraSession {
  private readonly serial: number;
  private readonly baudRate: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxFrameBytes: number;
  private readonly blockBytes: number;

  constructor(
    private readonly reader: PortReader,
    private readonly write: (bytes: Uint8Array) => Promise<void>,
    private readonly stats: CameraSourceStats,
    private readonly options: Vc0706Options = {},
  ) {
    checkSessionOptions(options);
    this.serial = options.serialNumber ?? 0;
    this.baudRate = options.baudRate ?? 38400;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const block = options.blockBytes ?? 1024;
    if (!Number.isInteger(block) || block < 8 || block % 8 !== 0 || block > 0xffff) {
      throw invalidOption('blockBytes', `must be a multiple of 8 from 8 to 65528, got ${block}`);
    }
    this.blockBytes = block;
  }

  async start(): Promise<void> {
    const { resolution, reset = true } = this.options;
    if (reset) await this.reset();
    if (resolution !== undefined) {
      // Register 0x0019 of the chip's I2C EEPROM holds the size; it applies after a reset.
      await this.command(VC0706_WRITE_DATA, [0x04, 0x01, 0x00, 0x19, VC0706_RESOLUTIONS[resolution]]);
      await this.reset();
    }
    if (!reset && resolution === undefined) await this.command(VC0706_GEN_VERSION, []);
    // A camera left frozen by an earlier session would return the same frame forever.
    await this.command(VC0706_FBUF_CTRL, [VC0706_RESUME_FRAME]);
  }

  async next(): Promise<Uint8Array | undefined> {
    await this.command(VC0706_FBUF_CTRL, [VC0706_STOP_CURRENT_FRAME]);
    const lengthReply = await this.command(VC0706_GET_FBUF_LEN, [0x00]);
    if (lengthReply.length < 4)
      throw new SourceError('BAD_REPLY', `GET_FBUF_LEN returned ${lengthReply.length} bytes, expected 4`);
    const length =
      ((lengthReply[0]! << 24) | (lengthReply[1]! << 16) | (lengthReply[2]! << 8) | lengthReply[3]!) >>> 0;
    let frame: Uint8Array | undefined;
    if (length === 0 || length > this.maxFrameBytes) {
      this.stats.droppedFrames++;
      this.stats.lastError = new SourceError(
        'FRAME_TOO_LARGE',
        `camera announced a ${length}-byte frame; maxFrameBytes is ${this.maxFrameBytes}`,
      );
    } else {
      const data = new Uint8Array(length);
      for (let address = 0; address < length; address += this.blockBytes) {
        const block = await this.readBlock(address, Math.min(this.blockBytes, length - address));
        data.set(block, address);
      }
      frame = trimToEoi(data);
      if (frame && !isWholeJpeg(frame)) frame = undefined;
      if (!frame) {
        this.stats.droppedFrames++;
        this.stats.lastError = new SourceError(
          'BAD_FRAME',
          `frame buffer of ${length} bytes is not a whole JPEG`,
        );
      }
    }
    await this.command(VC0706_FBUF_CTRL, [VC0706_RESUME_FRAME]);
    return frame;
  }

  private async reset(): Promise<void> {
    await this.command(VC0706_RESET, []);
    // After the reply the camera prints its boot text, ending "Init end\r\n".
    await this.reader.waitFor(INIT_END, this.options.resetTimeoutMs ?? 2000);
    await this.reader.settle(20, 200);
  }

  /** Sends a command and returns its reply's data, resending on a lost or bad reply. */
  private async command(code: number, args: readonly number[]): Promise<Uint8Array> {
    const bytes = Uint8Array.from([VC0706_COMMAND, this.serial, code, args.length, ...args]);
    return this.exchange(code, bytes, async () => {
      const header = await this.readHeader(code, this.timeoutMs);
      return this.reader.readExact(header[4]!, this.timeoutMs + transferMs(header[4]!, this.baudRate));
    });
  }

  /** READ_FBUF: header, `count` data bytes, then the same 5-byte header again. */
  private async readBlock(address: number, count: number): Promise<Uint8Array> {
    const bytes = Uint8Array.from([
      VC0706_COMMAND,
      this.serial,
      VC0706_READ_FBUF,
      0x0c,
      0x00, // current frame
      0x0a, // transfer mode: data over the UART (MCU mode)
      ...be32(address),
      ...be32(count),
      READ_DELAY >> 8,
      READ_DELAY & 0xff,
    ]);
    return this.exchange(VC0706_READ_FBUF, bytes, async () => {
      await this.readHeader(VC0706_READ_FBUF, this.timeoutMs);
      const data = await this.reader.readExact(count, this.timeoutMs + transferMs(count + 5, this.baudRate));
      await this.readHeader(VC0706_READ_FBUF, this.timeoutMs);
      return data;
    });
  }

  private async exchange(
    code: number,
    bytes: Uint8Array,
    receive: () => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        await this.reader.settle(20, 500);
      }
      await this.write(bytes);
      try {
        return await receive();
      } catch (error) {
        const code = (error as SourceError).code;
        if (code === 'TIMEOUT') this.stats.timeouts++;
        if (code !== 'TIMEOUT' && code !== 'BAD_REPLY') throw error;
        lastError = error;
      }
    }
    const error = lastError as SourceError;
    throw new SourceError(
      error.code,
      `VC0706 command 0x${code.toString(16)} failed after ${this.retries + 1} attempts: ${error.message}`,
      undefined,
      { cause: error },
    );
  }

  /** Reads and checks a 5-byte reply header: 76, serial, command, status 0, data length. */
  private async readHeader(code: number, timeoutMs: number): Promise<Uint8Array> {
    const header = await this.reader.readExact(5, timeoutMs);
    if (header[0] !== VC0706_REPLY || header[1] !== this.serial || header[2] !== code) {
      throw new SourceError(
        'BAD_REPLY',
        `expected reply 76 ${hex(this.serial)} ${hex(code)}, got ${Array.from(header, hex).join(' ')}`,
      );
    }
    if (header[3] !== 0)
      throw new SourceError('BAD_REPLY', `command ${hex(code)} failed with status ${hex(header[3]!)}`);
    return header;
  }
}

function be32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/**
 * The JPEG inside a frame buffer: it must start with SOI; VC0706 firmware pads the
 * length to a multiple of 8 or 32 after EOI, so cut after the last FF D9 near the end.
 */
export function trimToEoi(data: Uint8Array): Uint8Array | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  for (let i = data.length - 2; i >= Math.max(2, data.length - 64); i--) {
    if (data[i] === 0xff && data[i + 1] === 0xd9) return data.subarray(0, i + 2);
  }
  return undefined;
}
