import type { PacketSource } from '@mjpeg-kit/bytes';
import { type PortCameraOptions, portCameraSource } from '../camera/camera-source.js';
import type { CameraPort } from '../camera/port.js';
import type { CameraSourceStats } from '../camera/session.js';
import { SourceError } from '../errors.js';

/**
 * The Bluetooth Serial Port Profile service class, to pass in
 * `navigator.serial.requestPort({ allowedBluetoothServiceClassIds: [SPP_SERVICE_CLASS_ID] })`
 * so Chrome lists RFCOMM ports.
 */
export const SPP_SERVICE_CLASS_ID = '00001101-0000-1000-8000-00805f9b34fb';

/**
 * The part of the Web Serial `SerialPort` this package uses (TypeScript's DOM library
 * does not declare Web Serial yet).
 */
export interface WebSerialPortLike {
  open(options: {
    baudRate: number;
    dataBits?: number;
    stopBits?: number;
    parity?: string;
    bufferSize?: number;
  }): Promise<void>;
  close(): Promise<void>;
  readonly readable: ReadableStream<Uint8Array> | null;
  readonly writable: WritableStream<Uint8Array> | null;
}

/** Options of {@link webSerialCameraSource}. */
export interface WebSerialCameraOptions extends PortCameraOptions {
  /** Line rate in bits per second (default 38400 for vc0706, 115200 otherwise). */
  baudRate?: number;
  /** Read buffer size handed to `port.open` (default 65536: a frame's worth, few reads). */
  bufferSize?: number;
}

/** Opens a Web Serial port and adapts its streams to a {@link CameraPort}. */
export async function openWebSerialPort(
  port: WebSerialPortLike,
  baudRate: number,
  bufferSize = 65536,
): Promise<CameraPort> {
  try {
    await port.open({ baudRate, dataBits: 8, stopBits: 1, parity: 'none', bufferSize });
  } catch (error) {
    // "InvalidStateError: already open" after a page-level reuse: close and try once more.
    if ((error as Error)?.name === 'InvalidStateError') {
      await port.close().catch(() => {});
      await port.open({ baudRate, bufferSize });
    } else {
      throw new SourceError(
        'OPEN_FAILED',
        `cannot open the serial port: ${(error as Error)?.message}`,
        undefined,
        {
          cause: error,
        },
      );
    }
  }
  if (!port.readable || !port.writable) {
    await port.close().catch(() => {});
    throw new SourceError('LINK_LOST', 'the serial port has no streams (device gone?)');
  }
  const reader = port.readable.getReader();
  const writer = port.writable.getWriter();
  let closed = false;
  return {
    async write(bytes) {
      await writer.write(bytes);
    },
    async read() {
      // A lost Bluetooth link surfaces as a rejected read (NetworkError / BreakError).
      const { done, value } = await reader.read();
      return done ? undefined : value;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Unlock both streams before close(), or the port stays "locked" and cannot close.
      await reader.cancel().catch(() => {});
      reader.releaseLock();
      await writer.close().catch(() => {});
      writer.releaseLock();
      await port.close().catch(() => {});
    },
  };
}

/**
 * Frames from a camera on a Web Serial port, including a Bluetooth RFCOMM port in
 * Chrome (request it with `allowedBluetoothServiceClassIds: [SPP_SERVICE_CLASS_ID]`),
 * with the same modes, reconnects and stats as `serialCameraSource`. The same port
 * object is opened again after a drop, which works once the device is back.
 *
 * @example
 * ```ts
 * const port = await navigator.serial.requestPort({ allowedBluetoothServiceClassIds: [SPP_SERVICE_CLASS_ID] });
 * for await (const frame of webSerialCameraSource(port, { baudRate: 115200, mode: 'stream', signal })) {
 *   img.src = URL.createObjectURL(new Blob([frame.body], { type: 'image/jpeg' }));
 * }
 * ```
 */
export function webSerialCameraSource(
  port: WebSerialPortLike,
  options: WebSerialCameraOptions = {},
): PacketSource<CameraSourceStats> {
  const baudRate = options.baudRate ?? (options.mode === 'vc0706' ? 38400 : 115200);
  return portCameraSource(() => openWebSerialPort(port, baudRate, options.bufferSize), {
    ...options,
    baudRate,
  });
}
