import type { PacketSource } from '@mjpeg-kit/bytes';
import { type PortCameraOptions, portCameraSource } from '../camera/camera-source.js';
import type { CameraSourceStats } from '../camera/session.js';
import { openSerialPort } from './serial-port.js';

/** Options of {@link serialCameraSource}. */
export interface SerialCameraOptions extends PortCameraOptions {
  /** Serial device: `/dev/rfcomm0` (BlueZ `rfcomm bind`), `/dev/ttyUSB0`, `COM5`. */
  path: string;
  /** Line rate in bits per second (default 38400 for vc0706, the modules' default; 115200 otherwise). */
  baudRate?: number;
  /** Interval of the check that `path` still names the opened device, ms (default 1000; 0: off). */
  watchPathMs?: number;
}

/**
 * Frames from a camera on a serial device, typically a Bluetooth SPP camera bound to
 * `/dev/rfcommN`: `mode` `'stream'` (the camera pushes JPEGs), `'vc0706'` or `'ov528'`
 * (command protocols). Drops of the link are reported through `onStatus`
 * (`reconnecting`, `attempt`, `delayMs`, `error`) and retried with backoff.
 *
 * @example
 * ```ts
 * import { serialCameraSource } from '@mjpeg-kit/bluetooth-source/node';
 * const camera = serialCameraSource({ path: '/dev/rfcomm0', baudRate: 115200, mode: 'vc0706', signal });
 * for await (const frame of camera) hub.publish(frame);
 * ```
 * @throws SourceError `INVALID_OPTION`; after `reconnect.maxAttempts` failures the last error.
 */
export function serialCameraSource(options: SerialCameraOptions): PacketSource<CameraSourceStats> {
  const baudRate = options.baudRate ?? (options.mode === 'vc0706' ? 38400 : 115200);
  return portCameraSource((signal) => openSerialPort(options.path, baudRate, signal, options.watchPathMs), {
    ...options,
    baudRate,
  });
}
