import { type ChildProcess, spawn } from 'node:child_process';
import { SERVER_CLI } from './harness.js';

/** A running `mjpeg-kit-server` started by a test. */
export interface RunningServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  port: number;
  process: ChildProcess;
  /** Output so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const LISTENING = /mjpeg-kit-server listening on (http:\/\/[^\s/]+:(\d+)\/)/;

/** Starts the real CLI (`--host 127.0.0.1 --port 0` unless given) and waits for its listening line. */
export async function startServer(args: string[] = [], port = 0, timeoutMs = 15_000): Promise<RunningServer> {
  const child = spawn(
    process.execPath,
    [SERVER_CLI, '--host', '127.0.0.1', '--port', String(port), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 20_000) output = output.slice(-10_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      const onData = () => {
        const found = LISTENING.exec(output);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${output}`));
      });
    });
    return { url: match[1]!, port: Number(match[2]), process: child, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
