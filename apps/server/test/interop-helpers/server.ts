/** The built CLI (`dist/cli.js`) started on 127.0.0.1 with `--port 0`, as a user would run it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI; `MJPEG_KIT_SERVER_CLI` points the suite at another entry (a `.ts` one runs through tsx). */
export const CLI =
  process.env.MJPEG_KIT_SERVER_CLI ?? fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const READY = /^mjpeg-kit-server listening on (http:\/\/127\.0\.0\.1:(\d+)\/)$/m;

export interface RunningServer {
  /** Base URL with the trailing slash, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the CLI with `args` and resolves once it prints its readiness line (bounded by `timeoutMs`). */
export function startServer(args: string[] = [], timeoutMs = 20_000): Promise<RunningServer> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: build it first (npx turbo run build --filter=mjpeg-kit-server...)`);
  }
  const loader = CLI.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, CLI, '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      child.kill('SIGTERM');
    });
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`server did not print its readiness line in ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    const onText = (text: string): void => {
      output += text;
      const match = READY.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!,
          port: Number(match[2]),
          pid: child.pid!,
          child,
          output: () => output,
          stop,
        });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onText);
    child.stderr!.setEncoding('utf8').on('data', onText);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready; output:\n${output}`));
    });
  });
}

/** The server process's resident memory (`VmRSS`) in MB, from /proc. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) / 1024;
}
