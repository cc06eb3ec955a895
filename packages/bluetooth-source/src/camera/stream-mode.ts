import { JpegScanner } from '@mjpeg-kit/jpeg-scanner';
import type { PortReader } from './port.js';
import {
  type CameraSession,
  type CameraSessionOptions,
  type CameraSourceStats,
  checkSessionOptions,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_FRAME_BYTES,
  isWholeJpeg,
} from './session.js';

/** Options of {@link StreamCamera}. */
export type StreamModeOptions = CameraSessionOptions;

/**
 * A camera that pushes JPEG bytes on its own: frames are cut by `JpegScanner`, which
 * skips noise between frames and drops broken ones; each frame is also checked to parse
 * before it is returned. A new session (after a reconnect) starts a new scanner, so a
 * frame cut by a drop can never be joined to bytes from after it.
 */
export class StreamCamera implements CameraSession {
  private readonly scanner: JpegScanner;
  private readonly queue: Uint8Array[] = [];
  private readonly idleTimeoutMs: number;
  private countedSkipped = 0;
  private countedDropped = 0;

  constructor(
    private readonly reader: PortReader,
    private readonly stats: CameraSourceStats,
    options: StreamModeOptions = {},
  ) {
    checkSessionOptions(options);
    this.scanner = new JpegScanner({ maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  async start(): Promise<void> {}

  async next(): Promise<Uint8Array | undefined> {
    const deadline = performance.now() + this.idleTimeoutMs;
    while (this.queue.length === 0) {
      const chunk = await this.reader.readAvailable(Math.max(0, deadline - performance.now()));
      for (const frame of this.scanner.push(chunk)) {
        if (isWholeJpeg(frame)) this.queue.push(frame);
        else this.stats.droppedFrames++;
      }
      this.syncStats();
    }
    return this.queue.shift();
  }

  /** Counts the frame cut by a drop (the scanner's unfinished frame) when the link ends. */
  end(): void {
    this.scanner.end();
    this.syncStats();
  }

  private syncStats(): void {
    const { skippedBytes, droppedFrames } = this.scanner.stats;
    this.stats.skippedBytes += skippedBytes - this.countedSkipped;
    this.stats.droppedFrames += droppedFrames - this.countedDropped;
    this.countedSkipped = skippedBytes;
    this.countedDropped = droppedFrames;
  }
}
