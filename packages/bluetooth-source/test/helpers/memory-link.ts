import type { CameraPort } from '../../src/camera/port.js';
import type { CameraEmulator } from '../../src/emulator/frames.js';

/**
 * A {@link CameraPort} wired straight to an emulator in memory, replies delivered on a
 * later tick in chunks of `chunkBytes` (so readers see split replies). `fail()` (or
 * reaching write number `failAtWrite`) makes reads reject, as a dropped link does.
 */
export function memoryLink(
  emulator: CameraEmulator,
  chunkBytes = 7,
): CameraPort & { fail(): void; writes: number; failAtWrite: number; readonly closed: boolean } {
  const pending: Uint8Array[] = [];
  let waiter: ((chunk: Uint8Array | undefined) => void) | undefined;
  let rejecter: ((error: Error) => void) | undefined;
  let failed = false;
  let closed = false;
  const deliver = () => {
    if (!waiter) return;
    if (failed) {
      const reject = rejecter!;
      waiter = undefined;
      reject(new Error('EIO: link lost'));
      return;
    }
    if (closed) {
      const resolve = waiter;
      waiter = undefined;
      resolve(undefined);
      return;
    }
    const chunk = pending.shift();
    if (chunk) {
      const resolve = waiter;
      waiter = undefined;
      resolve(chunk);
    }
  };
  const link = {
    writes: 0,
    failAtWrite: Number.POSITIVE_INFINITY,
    async write(bytes: Uint8Array) {
      if (failed || closed) throw new Error('EIO: write on a lost link');
      link.writes++;
      if (link.writes >= link.failAtWrite) {
        link.fail();
        return;
      }
      for (const reply of emulator.receive(bytes)) {
        for (let i = 0; i < reply.length; i += chunkBytes) pending.push(reply.slice(i, i + chunkBytes));
      }
      setTimeout(deliver, 0);
    },
    read() {
      return new Promise<Uint8Array | undefined>((resolve, reject) => {
        waiter = (chunk) => {
          resolve(chunk);
          if (pending.length > 0) setTimeout(deliver, 0);
        };
        rejecter = reject;
        deliver();
      });
    },
    async close() {
      closed = true;
      deliver();
    },
    fail() {
      failed = true;
      deliver();
    },
    get closed() {
      return closed;
    },
  };
  return link;
}
