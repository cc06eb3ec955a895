/**
 * A nats-server cluster for tests: three nodes on 127.0.0.1 with routes between them, each
 * on free ports, each stopped by its pid. `--max_payload` goes in a config file (nats-server
 * 2.9 has no flag for it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER = 'nats-server';
const START_TIMEOUT_MS = 15_000;

export interface ClusterNode {
  index: number;
  port: number;
  clusterPort: number;
  monitorPort: number;
  /** `127.0.0.1:port`, for the client. */
  url: string;
  process: ChildProcess | undefined;
}

/** A free TCP port on 127.0.0.1 (bound to 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return response.json();
}

export class NatsCluster {
  readonly nodes: ClusterNode[] = [];
  readonly #dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-nats-'));
  readonly #configFile: string;
  readonly #size: number;

  constructor(size = 3, maxPayloadBytes = 1024 * 1024) {
    this.#size = size;
    this.#configFile = join(this.#dir, 'nats.conf');
    writeFileSync(this.#configFile, `max_payload: ${maxPayloadBytes}\n`);
  }

  /** Starts every node and waits (bounded) until each has a route to every other. */
  async start(): Promise<void> {
    for (let index = 0; index < this.#size; index++) {
      this.nodes.push({
        index,
        port: await freePort(),
        clusterPort: await freePort(),
        monitorPort: await freePort(),
        url: '',
        process: undefined,
      });
    }
    for (const node of this.nodes) node.url = `127.0.0.1:${node.port}`;
    for (const node of this.nodes) this.#spawn(node);
    await this.waitForRoutes();
  }

  /** All client URLs. */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  #spawn(node: ClusterNode): void {
    const routes = this.nodes
      .filter((n) => n !== node)
      .map((n) => `nats://127.0.0.1:${n.clusterPort}`)
      .join(',');
    const child = spawn(
      NATS_SERVER,
      [
        '-c',
        this.#configFile,
        '-a',
        '127.0.0.1',
        '-p',
        String(node.port),
        '-m',
        String(node.monitorPort),
        '-n',
        `node${node.index + 1}`,
        '--cluster_name',
        'mjpeg-kit-test',
        '-cluster',
        `nats://127.0.0.1:${node.clusterPort}`,
        '-routes',
        routes,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.resume();
    node.process = child;
  }

  /** Waits until every running node has routes to every other running node. */
  async waitForRoutes(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const running = this.nodes.filter((n) => n.process !== undefined);
    for (;;) {
      const counts = await Promise.all(
        running.map((n) =>
          fetchJson(`http://127.0.0.1:${n.monitorPort}/routez`)
            .then((r) => (r as { num_routes?: number }).num_routes ?? -1)
            .catch(() => -1),
        ),
      );
      if (counts.every((c) => c >= running.length - 1)) return;
      if (Date.now() > deadline)
        throw new Error(`nats cluster routes not up in ${timeoutMs} ms: ${counts.join(',')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills one node (SIGKILL: no goodbye to clients) and waits for it to exit. */
  async kill(index: number): Promise<void> {
    const node = this.nodes[index]!;
    const child = node.process;
    node.process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }

  /** Starts a killed node again on its ports and waits for its routes. */
  async restart(index: number): Promise<void> {
    const node = this.nodes[index]!;
    if (node.process !== undefined) return;
    this.#spawn(node);
    await this.waitForRoutes();
  }

  /** The node a client with `server` (`host:port`) is connected to. */
  indexOf(server: string | undefined): number {
    return this.nodes.findIndex((n) => server?.endsWith(`:${n.port}`) === true);
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.index);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
