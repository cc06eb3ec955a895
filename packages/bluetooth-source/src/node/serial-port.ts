import { stat } from 'node:fs';
import { SerialPort } from 'serialport';
import type { CameraPort } from '../camera/port.js';
import { SourceError } from '../errors.js';

/** How long `close()` waits for the device to let go, ms. */
const CLOSE_TIMEOUT_MS = 2000;
/** Default interval of the device-node check, ms. */
export const DEFAULT_WATCH_PATH_MS = 1000;

/**
 * Opens a serial device (`/dev/rfcomm0`, `/dev/ttyUSB0`, a pty, `COM5`) with the
 * `serialport` package as a {@link CameraPort}: 8N1, no flow control, raw bytes.
 *
 * Every `watchPathMs` (0: never) the device node is checked: when it vanished or now
 * names another device (a USB adapter unplugged, an `rfcomm release`, a pty pair torn
 * down and made again), the link counts as lost even if the kernel never flagged the
 * open descriptor, which happens with some hang-ups.
 * @throws SourceError `OPEN_FAILED` when the device cannot be opened.
 */
export function openSerialPort(
  path: string,
  baudRate: number,
  signal?: AbortSignal,
  watchPathMs = DEFAULT_WATCH_PATH_MS,
): Promise<CameraPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false, hupcl: false });
  return new Promise<CameraPort>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    port.open((error) => {
      if (error) {
        reject(
          new SourceError('OPEN_FAILED', `cannot open ${path}: ${error.message}`, undefined, {
            cause: error,
          }),
        );
        return;
      }
      resolve(adaptSerialPort(port, watchPathMs > 0 ? { path, intervalMs: watchPathMs } : undefined));
    });
  });
}

/**
 * Wraps an open `SerialPort` as a pull-based {@link CameraPort}; with `watch`, checks
 * that `watch.path` still names the device opened (see {@link openSerialPort}).
 */
export function adaptSerialPort(port: SerialPort, watch?: { path: string; intervalMs: number }): CameraPort {
  const queue: Uint8Array[] = [];
  let waiter:
    | { resolve: (chunk: Uint8Array | undefined) => void; reject: (error: Error) => void }
    | undefined;
  let failure: Error | undefined;
  let ended = false;

  const settle = () => {
    if (!waiter) return;
    const { resolve, reject } = waiter;
    if (queue.length > 0) {
      waiter = undefined;
      resolve(queue.shift());
    } else if (failure) {
      waiter = undefined;
      reject(failure);
    } else if (ended) {
      waiter = undefined;
      resolve(undefined);
    }
  };
  const onData = (chunk: Uint8Array) => {
    queue.push(chunk);
    settle();
  };
  const onError = (error: Error) => {
    failure ??= error;
    settle();
  };
  const onClose = (error?: Error | null) => {
    // serialport passes a DisconnectedError when the device went away (EIO, unplugged).
    if (error) failure ??= error;
    ended = true;
    settle();
  };
  port.on('data', onData);
  port.on('error', onError);
  port.on('close', onClose);

  let device: number | undefined;
  const timer = watch
    ? setInterval(() => {
        stat(watch.path, (error, stats) => {
          if (ended || failure) return;
          if (error || (device !== undefined && stats.rdev !== device)) {
            onError(new SourceError('LINK_LOST', `${watch.path} is gone or names another device now`));
          } else device ??= stats.rdev;
        });
      }, watch.intervalMs)
    : undefined;
  if (watch) {
    stat(watch.path, (error, stats) => {
      if (!error) device ??= stats.rdev;
    });
  }

  return {
    write(bytes) {
      if (failure) return Promise.reject(failure);
      if (ended || !port.isOpen)
        return Promise.reject(new SourceError('LINK_LOST', 'the serial port is closed'));
      return new Promise((resolve, reject) => {
        port.write(bytes, (error) => (error ? reject(error) : resolve()));
      });
    },
    read() {
      if (waiter) return Promise.reject(new Error('read() is already pending'));
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
        settle();
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(closeTimer);
          clearInterval(timer);
          port.off('data', onData);
          port.off('error', onError);
          port.off('close', onClose);
          // Keep a late error on a closed port from becoming an uncaught exception.
          port.on('error', () => {});
          ended = true;
          settle();
          resolve();
        };
        const closeTimer = setTimeout(done, CLOSE_TIMEOUT_MS);
        if (!port.isOpen) done();
        else port.close(() => done());
      });
    },
  };
}
