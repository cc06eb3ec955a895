// A throwaway nginx reverse proxy for the end-to-end suites: Debian's nginx, run in the
// foreground as one process, with every file it writes (pid, logs, temp paths) in its own temp
// dir, so it runs as root without touching /etc or /var and leaves nothing behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool } from '../../../../test-support/tools.js';
import { waitFor } from './harness.js';

/** Debian's nginx: on PATH, or in /usr/sbin, which a non-root user's PATH leaves out. */
export const NGINX = hasTool('nginx') ? 'nginx' : '/usr/sbin/nginx';

/** A running nginx started by a test. */
export interface RunningNginx {
  /** `http://127.0.0.1:PORT/` */
  origin: string;
  port: number;
  /** The error log so far, for failure messages. */
  errorLog(): string;
  /** SIGTERM by pid (SIGKILL after 3 s), then the temp dir is removed. */
  stop(): Promise<void>;
}

/** Where `location PREFIX` proxies to, and how. */
interface NginxOptions {
  /** The mount point, with slashes on both ends: `/cam/`. */
  prefix: string;
  /** The upstream origin and path: `http://127.0.0.1:8080/`. */
  upstream: string;
  /**
   * Pass WebSocket upgrades on, as apps/server's README block does (default). `false` is a
   * proxy configured before `/ws` existed: nginx drops `Upgrade`, so the upgrade gets a plain 426.
   */
  websocket?: boolean;
}

function configFor(dir: string, port: number, { prefix, upstream, websocket = true }: NginxOptions): string {
  const upgrade = websocket
    ? `
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;`
    : '';
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location ${prefix} {
      proxy_pass ${upstream};
      proxy_buffering off;${upgrade}
    }
    # Anything outside the prefix is not the camera: a page that asks for it is broken.
    location / { return 404; }
  }
}
`;
}

/** A port free right now (nginx cannot listen on port 0 and report the one it got). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  return exited.finally(() => clearTimeout(timer));
}

/**
 * Starts `nginx` proxying `options.prefix` to `options.upstream` on 127.0.0.1 and waits until
 * it accepts connections. A port taken between the probe and nginx's bind is retried.
 */
export async function startNginx(options: NginxOptions, timeoutMs = 10_000): Promise<RunningNginx> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-nginx-'));
    const port = await freePort();
    const config = join(dir, 'nginx.conf');
    writeFileSync(config, configFor(dir, port, options));
    const errorLog = () => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    };
    // -e: the error log before the config is read (else nginx opens /var/log/nginx/error.log).
    const child = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const stop = async () => {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitFor(
        `nginx to listen on ${port}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
          return accepts(port);
        },
        timeoutMs,
        50,
      );
      return { origin: `http://127.0.0.1:${port}/`, port, errorLog, stop };
    } catch (error) {
      lastError = new Error(`${(error as Error).message}\n${errorLog()}`);
      await stop();
    }
  }
  throw lastError;
}
