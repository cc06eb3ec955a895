import { type ChildProcess, spawn } from 'node:child_process';
import {
  backoffDelayMs,
  type LifecycleOptions,
  type MediaPacket,
  nowMs,
  type PacketSource,
  readChunks,
  sleep,
} from '@mjpeg-kit/bytes';
import { JpegScanner } from '@mjpeg-kit/jpeg-scanner';
import { SourceError } from '../errors.js';
import {
  checkOptionalNumberOption,
  DELAY_MS_RANGE,
  invalidOption,
  MAX_FRAME_BYTES_RANGE,
  type ReconnectOptions,
} from '../options.js';

/** Options of {@link execSource}. */
export interface ExecSourceOptions extends LifecycleOptions {
  /** Backoff between respawns (default 500 ms to 10 s with jitter, unlimited). */
  reconnect?: ReconnectOptions;
  /** Largest frame kept, bytes (default 32 MiB, the scanner's). */
  maxFrameBytes?: number;
  /** Time a child gets to exit after SIGTERM before SIGKILL, ms (default 2000). */
  killTimeoutMs?: number;
  /** Working directory and environment of the child. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Live counters of an exec source. */
export interface ExecSourceStats {
  frames: number;
  bytes: number;
  /** Children started. */
  spawns: number;
  /** Frames cut by an exit or broken in the output (never yielded). */
  droppedFrames: number;
  /** Process id of the running child (its process group id too), or of the last one. */
  pid: number | undefined;
  /** Exit code or signal of the last child, and the end of its stderr. */
  lastExit: { code: number | null; signal: string | null; stderr: string } | undefined;
}

/** Stderr kept for error reports, bytes. */
const STDERR_TAIL_BYTES = 2048;

/**
 * Frames from a child process writing concatenated JPEGs to stdout, for example
 * `ffmpeg -f v4l2 -i /dev/video0 -c:v mjpeg -f mjpeg -` for a USB webcam. A string runs
 * through `/bin/sh -c`; an array is `[file, ...args]` without a shell. When the child
 * exits, `onStatus` reports `reconnecting` (with `SourceError` `EXITED` and its stderr
 * tail) and it is started again after a backoff that resets once it delivers a frame.
 * On abort the child gets SIGTERM, then SIGKILL, and is awaited.
 *
 * @example
 * ```ts
 * const source = execSource('ffmpeg -re -f lavfi -i testsrc=size=640x480:rate=10 -f mjpeg -', { signal });
 * for await (const frame of source) hub.publish(frame);
 * ```
 */
export function execSource(
  command: string | readonly string[],
  options: ExecSourceOptions = {},
): PacketSource<ExecSourceStats> {
  const stats: ExecSourceStats = {
    frames: 0,
    bytes: 0,
    spawns: 0,
    droppedFrames: 0,
    pid: undefined,
    lastExit: undefined,
  };
  const [file, args] =
    typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0]!, command.slice(1)];
  if (!file) throw invalidOption('command', 'must name a program to run, got an empty command');
  const maxFrameBytes = checkOptionalNumberOption(
    'maxFrameBytes',
    options.maxFrameBytes,
    MAX_FRAME_BYTES_RANGE,
  );
  const killTimeoutMs =
    checkOptionalNumberOption('killTimeoutMs', options.killTimeoutMs, DELAY_MS_RANGE) ?? 2000;

  async function* run(): AsyncGenerator<MediaPacket, void, undefined> {
    const { signal, onStatus } = options;
    let failures = 0;
    let seq = 0;
    let closedError: SourceError | undefined;
    try {
      while (!signal?.aborted) {
        onStatus?.({ state: 'connecting', attempt: failures > 0 ? failures : undefined });
        const child = spawn(file, args, {
          stdio: ['ignore', 'pipe', 'pipe'],
          // Its own process group, so a shell's children (ffmpeg under sh -c) are stopped too.
          detached: true,
          cwd: options.cwd,
          env: options.env,
        });
        stats.spawns++;
        stats.pid = child.pid;
        const watch = watchChild(child);
        const scanner = new JpegScanner({ maxFrameBytes });
        const dropped = scanner.stats.droppedFrames;
        let opened = false;
        try {
          // Returns at once on abort, even with a read pending; stopChild then destroys stdout.
          for await (const chunk of readChunks(child.stdout, { signal, close: true })) {
            if (!opened) {
              opened = true;
              onStatus?.({ state: 'open' });
            }
            for (const body of scanner.push(chunk)) {
              failures = 0;
              stats.frames++;
              stats.bytes += body.length;
              yield { type: 'image/jpeg', body, timestamp: nowMs(), seq: seq++ };
            }
          }
        } finally {
          scanner.end();
          stats.droppedFrames += scanner.stats.droppedFrames - dropped;
          await stopChild(child, watch.exited, killTimeoutMs);
        }
        if (signal?.aborted) break;
        const exit = await watch.exited;
        stats.lastExit = { ...exit, stderr: watch.stderrTail() };
        const failure = new SourceError(
          'EXITED',
          `${typeof command === 'string' ? command : command.join(' ')} exited (${exit.signal ?? `code ${exit.code}`})${
            stats.lastExit.stderr ? `: ${stats.lastExit.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''
          }`,
        );
        failures++;
        if (failures >= (options.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY)) {
          closedError = failure;
          throw failure;
        }
        const delayMs = backoffDelayMs(failures, options.reconnect);
        onStatus?.({ state: 'reconnecting', attempt: failures, delayMs, error: failure });
        if (!(await sleep(delayMs, signal))) break;
      }
    } finally {
      onStatus?.(closedError ? { state: 'closed', error: closedError } : { state: 'closed' });
    }
  }
  return Object.assign(run(), { stats });
}

interface ChildRun {
  exited: Promise<{ code: number | null; signal: string | null }>;
  stderrTail: () => string;
}

function watchChild(child: ChildProcess): ChildRun {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('error', (error) => {
      stderr += error.message;
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { exited, stderrTail: () => stderr };
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the child is gone. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  child.stdout?.destroy();
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const pid = child.pid;
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  } else {
    await exited;
  }
}
