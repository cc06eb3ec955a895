/** Child processes with a hard time bound: every tool run by the interop tests goes through here. */
import { type SpawnOptions, spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

interface Running {
  /** Resolves when the process group's leader exits. */
  done: Promise<RunResult>;
  /** Kills the whole process group now (for tools that play until stopped). */
  stop(): void;
}

/** Runs `command` and resolves when it exits; see `start`. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs: number },
): Promise<RunResult> {
  return start(command, args, options).done;
}

/**
 * Starts `command` as the leader of a new process group, killed whole after `timeoutMs`
 * or on `stop()` (tools such as `runuser … cvlc` fork, so the group is what must end).
 */
export function start(
  command: string,
  args: string[],
  { timeoutMs, ...options }: SpawnOptions & { timeoutMs: number },
): Running {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<RunResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
  return { done, stop: () => killGroup(child.pid) };
}

/** SIGKILLs the process group led by `pid` (a child we spawned detached), ignoring one already gone. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(everyMs);
  }
  return check();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
