/**
 * A real NATS cluster for the server's tests: `nats-server` nodes on 127.0.0.1 with routes
 * between them, each stoppable and restartable on its own ports (a node lost and back).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What every node of a test cluster accepts. */
export interface NatsClusterOptions {
  nodes?: number;
  /** The one user every node admits (none when absent). */
  user?: string;
  pass?: string;
  /** Small enough that a camera's frames travel in pieces. */
  maxPayloadBytes?: number;
}

/** One node: its client port and process. */
export interface NatsNode {
  readonly index: number;
  readonly port: number;
  readonly clusterPort: number;
  readonly monitorPort: number;
  /** `127.0.0.1:PORT`. */
  readonly address: string;
  process: ChildProcess | undefined;
  log: string;
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** Kills a node (SIGKILL: a lost machine, not a clean shutdown) and waits for it to exit. */
  kill(index: number): Promise<void>;
  /** Starts a stopped node again on its ports and waits until its routes are back. */
  restart(index: number): Promise<void>;
  /** Stops every node and removes the config files. */
  stop(): Promise<void>;
}

/**
 * `count` distinct ports free right now: all held open together (so none repeats), then
 * released for the nodes to bind moments later.
 */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error);
        }
      });
    });
    request.setTimeout(2000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a cluster (three nodes unless told) and resolves once every node routes to every other.
 * A port taken by another process between picking and binding it costs a retry with new ports.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startOnce(options: NatsClusterOptions): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-nats-'));
  const nodes: NatsNode[] = [];
  const ports = await freePorts(count * 3);
  for (let index = 0; index < count; index++) {
    const [port, clusterPort, monitorPort] = ports.slice(index * 3, index * 3 + 3) as [
      number,
      number,
      number,
    ];
    nodes.push({
      index,
      port,
      clusterPort,
      monitorPort,
      address: `127.0.0.1:${port}`,
      process: undefined,
      log: '',
    });
  }
  const configOf = (node: NatsNode) => {
    const routes = nodes
      .filter((other) => other !== node)
      .map((other) => `nats-route://127.0.0.1:${other.clusterPort}`);
    const lines = [
      `listen: 127.0.0.1:${node.port}`,
      `http: 127.0.0.1:${node.monitorPort}`,
      `server_name: node${node.index + 1}`,
      options.maxPayloadBytes === undefined ? '' : `max_payload: ${options.maxPayloadBytes}`,
      options.user === undefined
        ? ''
        : `authorization { user: ${JSON.stringify(options.user)}, password: ${JSON.stringify(options.pass ?? '')} }`,
      'cluster {',
      '  name: mjpeg-kit-test',
      `  listen: 127.0.0.1:${node.clusterPort}`,
      `  routes: [${routes.join(', ')}]`,
      '}',
    ];
    const path = join(dir, `node${node.index + 1}.conf`);
    writeFileSync(path, `${lines.filter((line) => line !== '').join('\n')}\n`);
    return path;
  };

  const launch = (node: NatsNode) => {
    const child = spawn('nats-server', ['-c', configOf(node)], { stdio: ['ignore', 'pipe', 'pipe'] });
    node.process = child;
    const append = (chunk: Buffer) => {
      node.log = (node.log + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
  };

  /** Until each running node routes to every other running node (at most 15 s). */
  const waitForRoutes = async () => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const running = nodes.filter((node) => node.process !== undefined);
      const counts = await Promise.all(
        running.map((node) =>
          getJson(`http://127.0.0.1:${node.monitorPort}/routez`)
            .then(
              (routez) =>
                new Set((routez as { routes?: { remote_id: string }[] }).routes?.map((r) => r.remote_id))
                  .size,
            )
            .catch(() => -1),
        ),
      );
      if (counts.every((routes) => routes >= running.length - 1)) return;
      for (const node of running) {
        if (node.process!.exitCode !== null)
          throw new Error(`nats-server node${node.index + 1} exited: ${node.log}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `routes not up after 15 s (${counts.join(', ')}): ${running.map((n) => n.log).join('\n')}`,
        );
      }
      await sleep(100);
    }
  };

  const kill = async (index: number) => {
    const node = nodes[index]!;
    const child = node.process;
    node.process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
  };

  for (const node of nodes) launch(node);
  try {
    await waitForRoutes();
  } catch (error) {
    await Promise.all(nodes.map((node) => kill(node.index)));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes,
    kill,
    async restart(index) {
      await kill(index);
      launch(nodes[index]!);
      await waitForRoutes();
    },
    async stop() {
      await Promise.all(nodes.map((node) => kill(node.index)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
