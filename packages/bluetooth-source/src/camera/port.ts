import { indexOfBytes } from '@mjpeg-kit/bytes';
import { SourceError } from '../errors.js';

/**
 * A duplex byte link to a camera: a serial port, a Web Serial port, a test double. The
 * camera protocols only need these three calls, so they run over any of them.
 */
export interface CameraPort {
  /** Sends bytes; resolves once they are handed to the link. Rejects when the link failed. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * The next chunk received, `undefined` once the link closed; rejects when the link
   * failed. At most one call is outstanding at a time.
   */
  read(): Promise<Uint8Array | undefined>;
  /** Closes the link; never rejects. */
  close(): Promise<void>;
}

/** Opens a fresh link for each (re)connect attempt. */
export type OpenCameraPort = (signal: AbortSignal) => Promise<CameraPort>;

type WaitResult = 'data' | 'timeout' | 'abort';

/**
 * Buffers a {@link CameraPort}'s input for request/response protocols: read an exact
 * number of bytes or whatever came, each with a deadline. One `read()` stays outstanding
 * across timeouts, so no byte is lost when a wait gives up.
 */
export class PortReader {
  private chunks: Uint8Array[] = [];
  private length = 0;
  private pending: Promise<void> | undefined;
  private failure: SourceError | undefined;
  private ended = false;

  constructor(
    private readonly port: CameraPort,
    private readonly signal?: AbortSignal,
  ) {}

  /** Bytes received and not yet taken. */
  get bufferedBytes(): number {
    return this.length;
  }

  /**
   * Exactly `count` bytes, waiting at most `timeoutMs` for them.
   * @throws SourceError `TIMEOUT` when they do not arrive in time, `LINK_LOST` when the
   * link closes or fails; the abort reason when the signal aborts.
   */
  async readExact(count: number, timeoutMs: number): Promise<Uint8Array> {
    const deadline = performance.now() + timeoutMs;
    while (this.length < count) {
      await this.waitForData(deadline - performance.now(), count);
    }
    return this.take(count);
  }

  /** Whatever is buffered, waiting at most `timeoutMs` for at least one byte. */
  async readAvailable(timeoutMs: number): Promise<Uint8Array> {
    if (this.length === 0) await this.waitForData(timeoutMs, 1);
    return this.take(this.length);
  }

  /** Drops every buffered byte (to resynchronise after a bad reply); returns how many. */
  discard(): number {
    const dropped = this.length;
    this.chunks = [];
    this.length = 0;
    return dropped;
  }

  /**
   * Discards input until the line stays quiet for `quietMs` or `maxMs` passed: late
   * bytes of a lost reply must not be read as the answer to the next command.
   */
  async settle(quietMs: number, maxMs: number): Promise<number> {
    const end = performance.now() + maxMs;
    let dropped = this.discard();
    while (performance.now() < end) {
      const result = await this.wait(Math.min(quietMs, end - performance.now()));
      if (result !== 'data') break;
      dropped += this.discard();
    }
    return dropped;
  }

  /**
   * Waits until the buffered bytes contain `needle` (bytes stay buffered) or `timeoutMs`
   * passed; resolves whether it was found. Used to wait for a camera's boot text.
   */
  async waitFor(needle: Uint8Array, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!this.contains(needle)) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      const result = await this.wait(left);
      if (result === 'abort') throw this.signal?.reason ?? new Error('aborted');
      if (result === 'timeout') return false;
    }
    return true;
  }

  private contains(needle: Uint8Array): boolean {
    if (this.chunks.length > 1) {
      const joined = this.take(this.length);
      this.chunks = [joined];
      this.length = joined.length;
    }
    const bytes = this.chunks[0];
    return bytes !== undefined && indexOfBytes(bytes, needle) !== -1;
  }

  private async waitForData(timeoutMs: number, wanted: number): Promise<void> {
    const result = await this.wait(Math.max(0, timeoutMs));
    if (result === 'abort') throw this.signal?.reason ?? new Error('aborted');
    if (result === 'timeout' && this.length < wanted) {
      throw new SourceError(
        'TIMEOUT',
        `no reply within ${Math.round(timeoutMs)} ms (${this.length} of ${wanted} bytes)`,
      );
    }
  }

  /** Waits for one more chunk, the deadline or the abort, whichever comes first. */
  private wait(timeoutMs: number): Promise<WaitResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new SourceError('LINK_LOST', 'the link closed'));
    if (this.signal?.aborted) return Promise.resolve('abort');
    if (!this.pending) {
      this.pending = this.port.read().then(
        (chunk) => {
          this.pending = undefined;
          if (chunk === undefined) this.ended = true;
          else if (chunk.length > 0) {
            this.chunks.push(chunk);
            this.length += chunk.length;
          }
        },
        (error: unknown) => {
          this.pending = undefined;
          this.failure = new SourceError(
            'LINK_LOST',
            `the link failed: ${error instanceof Error ? error.message : String(error)}`,
            undefined,
            { cause: error },
          );
        },
      );
    }
    const pending = this.pending;
    return new Promise<WaitResult>((resolve, reject) => {
      const finish = (result: WaitResult) => {
        clearTimeout(timer);
        this.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = () => finish('abort');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      this.signal?.addEventListener('abort', onAbort, { once: true });
      pending.then(() => {
        if (this.failure || this.ended) {
          clearTimeout(timer);
          this.signal?.removeEventListener('abort', onAbort);
          reject(this.failure ?? new SourceError('LINK_LOST', 'the link closed'));
        } else finish('data');
      });
    });
  }

  private take(count: number): Uint8Array {
    if (count === 0) return new Uint8Array(0);
    const first = this.chunks[0]!;
    let out: Uint8Array;
    if (first.length >= count) {
      out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
    } else {
      out = new Uint8Array(count);
      let filled = 0;
      while (filled < count) {
        const chunk = this.chunks[0]!;
        const used = Math.min(chunk.length, count - filled);
        out.set(chunk.subarray(0, used), filled);
        filled += used;
        if (used === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(used);
      }
    }
    this.length -= count;
    return out;
  }
}
