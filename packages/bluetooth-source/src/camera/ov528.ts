import { SourceError } from '../errors.js';
import { checkNumberOption } from '../options.js';
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

/** OV528 protocol (C328, µCAM-II, Grove serial camera): 6-byte commands `AA id p1 p2 p3 p4`. */
export const OV528_PREFIX = 0xaa;
export const OV528_INITIAL = 0x01;
export const OV528_GET_PICTURE = 0x04;
export const OV528_SNAPSHOT = 0x05;
export const OV528_SET_PACKAGE_SIZE = 0x06;
export const OV528_DATA = 0x0a;
export const OV528_SYNC = 0x0d;
export const OV528_ACK = 0x0e;
const OV528_NAK = 0x0f;
/** INITIAL colour setting: JPEG. GET PICTURE / DATA type: snapshot picture. */
const OV528_JPEG = 0x07;
const OV528_SNAPSHOT_PICTURE = 0x01;
/** Package id the host ACKs after the last package to end the transfer. */
export const OV528_END_OF_TRANSFER = 0xf0f0;
/** Bytes around each package's data: id (2), size (2), verify code (2). */
export const OV528_PACKAGE_OVERHEAD = 6;

/** JPEG resolutions of INITIAL (C328 / µCAM-II codes). */
const OV528_RESOLUTIONS = {
  '80x64': 0x01,
  '160x128': 0x03,
  '320x240': 0x05,
  '640x480': 0x07,
} as const;
/** An OV528 JPEG resolution. */
export type Ov528Resolution = keyof typeof OV528_RESOLUTIONS;

/** Options of {@link Ov528Camera}. */
export interface Ov528Options extends CameraSessionOptions {
  /** JPEG resolution (default `'640x480'`). */
  resolution?: Ov528Resolution;
  /** Package size in bytes, 64..512, data plus 6 (default 512). */
  packageBytes?: number;
  /** SYNC commands sent before giving up (default 60, as the datasheets advise). */
  syncAttempts?: number;
  /** Wait for the ACK of each SYNC, ms (default 50). */
  syncTimeoutMs?: number;
}

/**
 * Drives an OV528-protocol camera: SYNC until ACK (and ACK the camera's own SYNC),
 * INITIAL (JPEG at `resolution`), SET PACKAGE SIZE; then per frame SNAPSHOT, GET
 * PICTURE, the DATA announcement, and each package requested by an ACK carrying its id,
 * its checksum verified (the low byte of the sum of every byte before the verify code)
 * and requested again when wrong; ACK F0F0 ends the transfer.
 */
export class Ov528Camera implements CameraSession {
  private readonly baudRate: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxFrameBytes: number;
  private readonly packageBytes: number;

  constructor(
    private readonly reader: PortReader,
    private readonly write: (bytes: Uint8Array) => Promise<void>,
    private readonly stats: CameraSourceStats,
    private readonly options: Ov528Options = {},
  ) {
    checkSessionOptions(options);
    this.baudRate = options.baudRate ?? 115200;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const size = options.packageBytes ?? 512;
    this.packageBytes = checkNumberOption('packageBytes', size, { min: 64, max: 512, integer: true });
  }

  async start(): Promise<void> {
    await this.sync();
    const resolution = OV528_RESOLUTIONS[this.options.resolution ?? '640x480'];
    await this.command(OV528_INITIAL, [0x00, OV528_JPEG, resolution, resolution]);
    await this.command(OV528_SET_PACKAGE_SIZE, [
      0x08,
      this.packageBytes & 0xff,
      this.packageBytes >> 8,
      0x00,
    ]);
  }

  async next(): Promise<Uint8Array | undefined> {
    await this.command(OV528_SNAPSHOT, [0x00, 0x00, 0x00, 0x00]);
    const data = await this.command(OV528_GET_PICTURE, [OV528_SNAPSHOT_PICTURE, 0, 0, 0], OV528_DATA);
    const length = data[3]! | (data[4]! << 8) | (data[5]! << 16);
    if (length === 0 || length > this.maxFrameBytes) {
      // Refuse before reading: end the transfer so the camera is ready for the next one.
      await this.write(ack(0x00, OV528_END_OF_TRANSFER));
      await this.reader.settle(20, 200);
      this.stats.droppedFrames++;
      this.stats.lastError = new SourceError(
        'FRAME_TOO_LARGE',
        `camera announced a ${length}-byte picture; maxFrameBytes is ${this.maxFrameBytes}`,
      );
      return undefined;
    }
    const payload = this.packageBytes - OV528_PACKAGE_OVERHEAD;
    const count = Math.ceil(length / payload);
    const frame = new Uint8Array(length);
    for (let id = 0; id < count; id++) {
      const expected = Math.min(payload, length - id * payload);
      frame.set(await this.readPackage(id, expected), id * payload);
    }
    await this.write(ack(0x00, OV528_END_OF_TRANSFER));
    if (!isWholeJpeg(frame)) {
      this.stats.droppedFrames++;
      this.stats.lastError = new SourceError('BAD_FRAME', `picture of ${length} bytes is not a whole JPEG`);
      return undefined;
    }
    return frame;
  }

  private async sync(): Promise<void> {
    const attempts = this.options.syncAttempts ?? 60;
    const timeoutMs = this.options.syncTimeoutMs ?? 50;
    for (let attempt = 0; attempt < attempts; attempt++) {
      await this.write(commandBytes(OV528_SYNC, [0, 0, 0, 0]));
      try {
        const reply = await this.readCommand(timeoutMs);
        if (reply[1] !== OV528_ACK || reply[2] !== OV528_SYNC) continue;
        const sync = await this.readCommand(this.timeoutMs);
        if (sync[1] !== OV528_SYNC) continue;
        await this.write(ack(OV528_SYNC, 0));
        await this.reader.settle(10, 100);
        return;
      } catch (error) {
        const code = (error as SourceError).code;
        if (code === 'TIMEOUT') this.stats.timeouts++;
        else if (code !== 'BAD_REPLY') throw error;
        if (attempt > 0) this.stats.retries++;
      }
    }
    throw new SourceError('TIMEOUT', `OV528 camera did not answer ${attempts} SYNC commands`);
  }

  /**
   * Sends a command, expects its ACK, and with `then` also the command the camera sends
   * next (DATA after GET PICTURE), returned; resends on a lost reply or NAK.
   */
  private async command(id: number, params: readonly number[], then?: number): Promise<Uint8Array> {
    let lastError: SourceError | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        await this.reader.settle(20, 500);
      }
      await this.write(commandBytes(id, params));
      try {
        const reply = await this.readCommand(this.timeoutMs);
        if (reply[1] === OV528_NAK) {
          throw new SourceError('NAK', `camera refused command ${hex(id)} (error ${hex(reply[4]!)})`);
        }
        if (reply[1] !== OV528_ACK || reply[2] !== id) {
          throw new SourceError(
            'BAD_REPLY',
            `expected ACK of ${hex(id)}, got ${Array.from(reply, hex).join(' ')}`,
          );
        }
        if (then === undefined) return reply;
        const next = await this.readCommand(this.timeoutMs);
        if (next[1] !== then) {
          throw new SourceError(
            'BAD_REPLY',
            `expected command ${hex(then)}, got ${Array.from(next, hex).join(' ')}`,
          );
        }
        return next;
      } catch (error) {
        const code = (error as SourceError).code;
        if (code === 'TIMEOUT') this.stats.timeouts++;
        if (code !== 'TIMEOUT' && code !== 'BAD_REPLY' && code !== 'NAK') throw error;
        lastError = error as SourceError;
      }
    }
    throw new SourceError(
      lastError!.code,
      `OV528 command ${hex(id)} failed after ${this.retries + 1} attempts: ${lastError!.message}`,
      undefined,
      { cause: lastError },
    );
  }

  /** Requests package `id` (an ACK carrying it) and returns its checked data. */
  private async readPackage(id: number, expected: number): Promise<Uint8Array> {
    let lastError: SourceError | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        await this.reader.settle(20, 500);
      }
      await this.write(ack(0x00, id));
      try {
        const timeout = this.timeoutMs + transferMs(expected + OV528_PACKAGE_OVERHEAD, this.baudRate);
        const head = await this.reader.readExact(4, timeout);
        const gotId = head[0]! | (head[1]! << 8);
        const size = head[2]! | (head[3]! << 8);
        if (gotId !== id || size !== expected) {
          throw new SourceError(
            'BAD_REPLY',
            `expected package ${id} of ${expected} bytes, got ${gotId} of ${size}`,
          );
        }
        const rest = await this.reader.readExact(size + 2, timeout);
        let sum = head[0]! + head[1]! + head[2]! + head[3]!;
        for (let i = 0; i < size; i++) sum += rest[i]!;
        if ((sum & 0xff) !== rest[size] || rest[size + 1] !== 0) {
          throw new SourceError(
            'CHECKSUM',
            `package ${id} verify code ${hex(rest[size]!)} ${hex(rest[size + 1]!)}, computed ${hex(sum & 0xff)} 00`,
          );
        }
        return rest.subarray(0, size);
      } catch (error) {
        const code = (error as SourceError).code;
        if (code === 'TIMEOUT') this.stats.timeouts++;
        if (code !== 'TIMEOUT' && code !== 'BAD_REPLY' && code !== 'CHECKSUM') throw error;
        lastError = error as SourceError;
      }
    }
    throw new SourceError(
      lastError!.code,
      `OV528 package ${id} failed after ${this.retries + 1} attempts: ${lastError!.message}`,
      undefined,
      { cause: lastError },
    );
  }

  /** Reads one 6-byte command, skipping bytes until its 0xAA prefix. */
  private async readCommand(timeoutMs: number): Promise<Uint8Array> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const first = await this.reader.readExact(1, Math.max(0, deadline - performance.now()));
      if (first[0] !== OV528_PREFIX) {
        this.stats.skippedBytes++;
        continue;
      }
      const rest = await this.reader.readExact(5, Math.max(0, deadline - performance.now()));
      return Uint8Array.from([OV528_PREFIX, ...rest]);
    }
  }
}

/** `AA id p1 p2 p3 p4`. */
export function commandBytes(id: number, params: readonly number[]): Uint8Array {
  return Uint8Array.from([OV528_PREFIX, id, params[0] ?? 0, params[1] ?? 0, params[2] ?? 0, params[3] ?? 0]);
}

/** ACK of command `id` carrying package id `packageId` (little-endian). */
function ack(id: number, packageId: number): Uint8Array {
  return commandBytes(OV528_ACK, [id, 0x00, packageId & 0xff, packageId >> 8]);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
