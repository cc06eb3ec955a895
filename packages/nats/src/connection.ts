import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NatsError } from './errors.js';
import { parseNatsUrl, redactNatsUrl } from './url.js';

/** How to reach the NATS cluster: shared by {@link publishToNats} and {@link natsSource}. */
export interface NatsConnectionOptions {
  /** `"127.0.0.1:4222"`, `"nats://u:p@h:4222"`, `"tls://h:4222"`, or a list (the client's seed list; it learns the rest of the cluster). */
  servers: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** `true` or CA/certificate/key file paths; also on when any server uses `tls://`. */
  tls?: boolean | { ca?: string; cert?: string; key?: string };
  /** The client connection name the server shows (`/connz`). */
  name?: string;
}

/** The client options for `connect`: credentials from URLs moved into options, reconnect forever. */
export function clientOptions(
  options: NatsConnectionOptions,
  extra: Partial<ConnectionOptions> = {},
): ConnectionOptions {
  const list = typeof options.servers === 'string' ? [options.servers] : options.servers;
  if (!Array.isArray(list) || list.length === 0 || list.length > 64) {
    throw new NatsError('INVALID_OPTION', 'servers: expected 1 to 64 server addresses');
  }
  let tls = options.tls === true || typeof options.tls === 'object';
  let { user, pass, token } = options;
  const servers: string[] = [];
  for (const entry of list) {
    if (typeof entry !== 'string' || entry === '') {
      throw new NatsError('INVALID_OPTION', 'servers: each entry must be a non-empty string');
    }
    const parsed = parseNatsUrl(entry.includes('://') ? entry : `nats://${entry}`);
    tls ||= parsed.tls;
    user ??= parsed.user;
    pass ??= parsed.pass;
    token ??= parsed.token;
    for (const server of parsed.servers) servers.push(server.replace(/^tls:\/\//, ''));
  }
  const result: ConnectionOptions = {
    servers,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 5_000,
    maxPingOut: 2,
    timeout: 5_000,
    ignoreClusterUpdates: false,
    ...extra,
  };
  if (options.name !== undefined) result.name = options.name;
  if (token !== undefined) result.token = token;
  if (user !== undefined) {
    result.user = user;
    if (pass !== undefined) result.pass = pass;
  }
  if (tls) {
    const files = typeof options.tls === 'object' ? options.tls : {};
    result.tls = {};
    if (files.ca !== undefined) result.tls.caFile = files.ca;
    if (files.cert !== undefined) result.tls.certFile = files.cert;
    if (files.key !== undefined) result.tls.keyFile = files.key;
  }
  return result;
}

/** One connection attempt; a failure is a `CONNECT_FAILED` {@link NatsError} whose message holds no credentials. */
export async function connectNats(
  options: ConnectionOptions,
  secrets: (string | undefined)[],
): Promise<NatsConnection> {
  try {
    return await connect(options);
  } catch (error) {
    throw new NatsError('CONNECT_FAILED', `NATS connect failed: ${scrub(describe(error), secrets)}`, {
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Removes `secrets` (and any `user:pass@` in URLs) from a message. */
export function scrub(message: string, secrets: (string | undefined)[]): string {
  let out = message.replace(/([a-z]+:\/\/)[^\s@/]*@/gi, '$1***@');
  for (const secret of secrets) {
    if (secret !== undefined && secret.length > 0) out = out.split(secret).join('***');
  }
  return out;
}

/** The server a connection is on, as `host:port`, without credentials. */
export function currentServer(nc: NatsConnection): string | undefined {
  const server = nc.getServer();
  return server === '' ? undefined : redactNatsUrl(server);
}
