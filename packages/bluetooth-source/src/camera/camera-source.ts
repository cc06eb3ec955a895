import {
  backoffDelayMs,
  describeInvalidChoice,
  type LifecycleOptions,
  type MediaPacket,
  nowMs,
  type PacketSource,
  sleep,
} from '@mjpeg-kit/bytes';
import { type SourceError, toSourceError } from '../errors.js';
import { invalidOption, type ReconnectOptions } from '../options.js';
import { Ov528Camera, type Ov528Options } from './ov528.js';
import { type CameraPort, type OpenCameraPort, PortReader } from './port.js';
import { type CameraMode, type CameraSession, type CameraSourceStats, createCameraStats } from './session.js';
import { StreamCamera } from './stream-mode.js';
import { Vc0706Camera, type Vc0706Options } from './vc0706.js';

/** Options of {@link portCameraSource} (and of the serial and Web Serial sources). */
export interface PortCameraOptions
  extends LifecycleOptions,
    Omit<Vc0706Options, 'resolution'>,
    Omit<Ov528Options, 'resolution'> {
  /** How the camera delivers frames (default `'stream'`). */
  mode?: CameraMode;
  /** Image size: a VC0706 size in vc0706 mode, an OV528 size in ov528 mode. */
  resolution?: Vc0706Options['resolution'] | Ov528Options['resolution'];
  /** Backoff between reconnect attempts (default 500 ms to 10 s with jitter, unlimited attempts). */
  reconnect?: ReconnectOptions;
}

/**
 * Frames from a camera on any duplex byte link, with the link's life handled: open,
 * start the protocol (`mode`), yield whole frames stamped with `nowMs()` when they
 * complete; when the link drops or the camera stops answering, report `reconnecting`
 * (with `attempt`, `delayMs` and the `SourceError`), wait with exponential backoff and
 * jitter, and open the link again. A frame cut by a drop is dropped, never yielded.
 * After `reconnect.maxAttempts` failures in a row the iteration throws the last error.
 *
 * `serialCameraSource` (Node) and `webSerialCameraSource` (browser) are this function
 * with a port opener; use it directly for another transport.
 *
 * @throws SourceError `INVALID_OPTION` for a bad `mode` (at once) or protocol option (at
 * the first connect); after `maxAttempts` failures in a row, the last error.
 */
export function portCameraSource(
  openPort: OpenCameraPort,
  options: PortCameraOptions = {},
): PacketSource<CameraSourceStats> {
  const stats = createCameraStats();
  const mode = options.mode ?? 'stream';
  const modeProblem = describeInvalidChoice(mode, ['stream', 'vc0706', 'ov528']);
  if (modeProblem !== undefined) throw invalidOption('mode', modeProblem);

  async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    const { signal, onStatus } = options;
    const maxAttempts = options.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY;
    let failures = 0;
    let seq = 0;
    let lastStart = Number.NEGATIVE_INFINITY;
    let closedError: SourceError | undefined;
    try {
      while (!signal?.aborted) {
        onStatus?.({ state: 'connecting', attempt: failures > 0 ? failures : undefined });
        let port: CameraPort | undefined;
        let session: CameraSession | undefined;
        let failure: SourceError | undefined;
        try {
          try {
            port = await openPort(signal ?? new AbortController().signal);
          } catch (error) {
            throw toSourceError(error, 'OPEN_FAILED', 'cannot open the camera link');
          }
          const reader = new PortReader(port, signal);
          const link = port;
          const write = (bytes: Uint8Array) =>
            link.write(bytes).catch((error: unknown) => {
              throw toSourceError(error, 'LINK_LOST', 'write failed');
            });
          session =
            mode === 'vc0706'
              ? new Vc0706Camera(reader, write, stats, options as Vc0706Options)
              : mode === 'ov528'
                ? new Ov528Camera(reader, write, stats, options as Ov528Options)
                : new StreamCamera(reader, stats, options);
          await session.start();
          stats.online = true;
          onStatus?.({ state: 'open' });
          while (!signal?.aborted) {
            if (mode !== 'stream' && options.intervalMs) {
              const wait = lastStart + options.intervalMs - performance.now();
              if (wait > 0 && !(await sleep(wait, signal))) break;
            }
            lastStart = performance.now();
            const frame = await session.next();
            if (frame === undefined) continue;
            failures = 0;
            stats.frames++;
            stats.bytes += frame.length;
            yield { type: 'image/jpeg', body: frame, timestamp: nowMs(), seq: seq++ };
          }
        } catch (error) {
          if (!signal?.aborted) failure = toSourceError(error, 'LINK_LOST', 'camera link failed');
        } finally {
          // Close before waiting: a serial device must be free before it can be reopened.
          stats.online = false;
          if (session instanceof StreamCamera) session.end();
          if (port) await port.close();
        }
        if (!failure) break;
        stats.lastError = failure;
        failures++;
        // A bad option (blockBytes, packageBytes) fails the same way on every attempt.
        if (failures >= maxAttempts || failure.code === 'INVALID_OPTION') {
          closedError = failure;
          throw failure;
        }
        const delayMs = backoffDelayMs(failures, options.reconnect);
        stats.reconnects++;
        onStatus?.({ state: 'reconnecting', attempt: failures, delayMs, error: failure });
        if (!(await sleep(delayMs, signal))) break;
      }
    } finally {
      onStatus?.(closedError ? { state: 'closed', error: closedError } : { state: 'closed' });
    }
  }
  return Object.assign(run(), { stats });
}
