import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { MjpegHub } from '../src/index.js';

/**
 * A socket stand-in for hub tests that need no network: every write completes at once, and
 * `end()`/`destroy()` close it on the next microtask, as a real socket would after its FIN.
 */
export class FakeSocket extends EventEmitter {
  destroyed = false;
  bytesWritten = 0;
  cork() {}
  uncork() {}
  write(bytes: Uint8Array, callback?: (error?: Error | null) => void) {
    this.bytesWritten += bytes.length;
    if (callback) queueMicrotask(() => callback(null));
    return true;
  }
  setNoDelay() {}
  setKeepAlive() {}
  end() {
    this.destroy();
  }
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.emit('close'));
  }
}

/** Attaches a `/stream` viewer on a {@link FakeSocket}; `leave()` closes it. */
export function watch(hub: MjpegHub): { socket: FakeSocket; leave(): void } {
  const socket = new FakeSocket();
  hub.addViewer(socket as unknown as Socket, { kind: 'stream', chunked: true });
  return { socket, leave: () => socket.destroy() };
}
