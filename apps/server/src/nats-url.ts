/**
 * `nats://` URLs of the command line and the config file: an origin's `--publish` target and an
 * edge camera's source. Checked here, before anything connects, so a bad one is a usage error
 * (exit 2) naming its flag or key. `@mjpeg-kit/nats/url` parses them without loading the NATS
 * client, which a server without NATS never loads; this adds what the server asks of a subject.
 */
import { NatsError, type ParsedNatsUrl, parseNatsUrl as parseUrl } from '@mjpeg-kit/nats/url';
import { CAMERA_NAME_PATTERN } from '@mjpeg-kit/server';

export { redactNatsUrl } from '@mjpeg-kit/nats/url';

/** Servers one URL may list. */
export const MAX_NATS_SERVERS = 32;
/** A subject's length at most (NATS allows more; ours are `<prefix>.<camera>.video`). */
export const MAX_SUBJECT_CHARS = 200;

/** A URL the server cannot use; the caller turns it into a usage error naming the flag or key. */
export class NatsUrlError extends Error {
  override name = 'NatsUrlError';
  readonly code = 'INVALID_URL' as const;
}

/** Whether a spec is a NATS URL (`nats://` or `tls://`). */
export function isNatsSpec(spec: string): boolean {
  return /^(?:nats|tls):\/\//i.test(spec);
}

/**
 * Parses `nats://[USER:PASS@|TOKEN@]HOST[:PORT][,HOST[:PORT]…]/SUBJECT[?tls=1]` (`tls://` for
 * TLS). With `camera`, the subject must be `<prefix>.<camera>` whose last token is a camera name.
 * `servers` are `host:port` only (no credentials, no `tls://`: TLS is `tls`), safe to log.
 *
 * @throws NatsUrlError saying what is wrong, never echoing the credentials.
 */
export function parseNatsUrl(spec: string, options: { camera: boolean }): ParsedNatsUrl {
  let target: ParsedNatsUrl;
  try {
    target = parseUrl(spec);
  } catch (error) {
    // The flag or key name stands where the package says "NATS URL:".
    if (error instanceof NatsError) throw new NatsUrlError(error.message.replace(/^NATS URL: /, ''));
    throw error;
  }
  target.servers = target.servers.map((server) => server.replace(/^tls:\/\//, ''));
  if (target.servers.length > MAX_NATS_SERVERS) {
    throw new NatsUrlError(`lists ${target.servers.length} servers, more than ${MAX_NATS_SERVERS}`);
  }
  const { subject } = target;
  const what = options.camera ? 'PREFIX.CAMERA' : 'PREFIX';
  if (subject === '') throw new NatsUrlError(`needs a subject after the servers: /${what}`);
  if (subject.length > MAX_SUBJECT_CHARS) {
    throw new NatsUrlError(`subject is longer than ${MAX_SUBJECT_CHARS} characters`);
  }
  if (options.camera) {
    const tokens = subject.split('.');
    if (tokens.length < 2) throw new NatsUrlError(`subject '${subject}' must be PREFIX.CAMERA`);
    if (!CAMERA_NAME_PATTERN.test(tokens.at(-1)!)) {
      throw new NatsUrlError(`subject '${subject}' must end in a camera name (1–32 of a-z, 0-9, _ and -)`);
    }
  }
  return target;
}

/** `text` with each secret replaced by `***` (an error message a client library may have built). */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length > 0) result = result.split(secret).join('***');
  }
  return result;
}
