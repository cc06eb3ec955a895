import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A pseudo-terminal pair made by `socat`: two linked serial devices. */
export interface PtyPair {
  /** The end the host (the source under test) opens. */
  readonly hostPath: string;
  /** The end the emulated camera opens. */
  readonly devicePath: string;
  /** Kills socat: both ends vanish, as when a Bluetooth link drops. */
  drop(): Promise<void>;
  /** Starts socat again on the same link paths (the device came back). */
  restore(): Promise<void>;
  /** Kills socat and removes the temporary folder. */
  close(): Promise<void>;
}

/** Longest wait for socat to create its links, ms. */
const START_TIMEOUT_MS = 5000;

/**
 * Creates a linked pty pair with `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`
 * in a fresh temporary folder. A pty ignores the baud rate: pace writes yourself
 * (`serveEmulatedCamera` does).
 */
export async function createPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-pty-'));
  const hostPath = join(dir, 'host');
  const devicePath = join(dir, 'device');
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], {
      stdio: 'ignore',
    });
    child = proc;
    // A missing socat is an 'error' event (ENOENT), which would crash the process unheard.
    let spawnError: Error | undefined;
    proc.once('error', (error) => {
      spawnError = error;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(existsSync(hostPath) && existsSync(devicePath))) {
      if (spawnError) throw new Error(`socat could not start: ${spawnError.message}`, { cause: spawnError });
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`socat did not create ${hostPath} and ${devicePath}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
    // socat removes its links on SIGTERM; make sure, so restore() waits for fresh ones.
    rmSync(hostPath, { force: true });
    rmSync(devicePath, { force: true });
  };

  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    hostPath,
    devicePath,
    drop: stop,
    restore: start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
