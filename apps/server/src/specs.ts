/**
 * The values a flag or a config key carries (sources, audio, sizes, numbers), parsed and
 * checked the same way for both. Each parser names what it read by `flag`: `--source` on the
 * command line; `''` from the config file, whose loader puts the key path and line in front.
 */
import { isNatsSpec, NatsUrlError, parseNatsUrl, redactNatsUrl } from './nats-url.js';

/** A flag or config value the server cannot accept: printed with a hint, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** TLS towards NATS: on (system CAs), or with files (PEM paths). */
export type NatsTls = boolean | { ca?: string; cert?: string; key?: string };

/** A NATS connection: its servers (`host:port`, never with credentials) and how to log in. */
export interface NatsConnectionSpec {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  tls: NatsTls;
}

/** `--publish` / `publish:`: where an origin publishes its cameras, and which (all when absent). */
export interface PublishSpec extends NatsConnectionSpec {
  /** Subjects are `<prefix>.<camera>.video|audio`. */
  prefix: string;
  cameras?: string[];
}

/** Where frames come from. */
export type VideoSpec =
  | { kind: 'synthetic' }
  | { kind: 'serial'; path: string; mode: 'stream' | 'vc0706' | 'ov528'; baudRate?: number }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' }
  | { kind: 'exec'; command: string }
  | { kind: 'http'; url: string }
  /** An edge: the frames (and audio) an origin publishes on `subject` (`<prefix>.<camera>`). */
  | ({ kind: 'nats'; subject: string } & NatsConnectionSpec);

/** Where audio comes from. */
export type AudioSpec =
  | { kind: 'synthetic' }
  | { kind: 'pcm'; path: string; sampleRate: number; channels: number }
  | { kind: 'none' };

export type LogLevel = 'debug' | 'info' | 'warn';

/** Frame rate limits of `--fps` / `fps:`. */
export const MIN_FPS = 0.1;
export const MAX_FPS = 120;

/** `flag rest`, or `rest` alone for a config value (its key path goes in front later). */
function named(flag: string, rest: string): string {
  return flag === '' ? rest : `${flag} ${rest}`;
}

/** Whether a source spec relays another server (which carries its own audio, if any). */
export function isRelaySpec(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

/** Whether a source relays packets that may carry their own audio (another server, NATS). */
export function isRelaySource(source: VideoSpec): boolean {
  return source.kind === 'http' || source.kind === 'nats';
}

/** The audio a camera gets without `--audio`: none for a relay, the synthetic tone otherwise. */
export function defaultAudioFor(source: VideoSpec): AudioSpec {
  return isRelaySource(source) ? { kind: 'none' } : { kind: 'synthetic' };
}

/** Parses a `--publish` URL: `nats://[USER:PASS@]HOST:PORT[,…]/PREFIX`. @throws UsageError naming `flag`. */
export function parsePublish(spec: string, flag = '--publish'): PublishSpec {
  const { subject, ...connection } = parseNats(spec, flag, false);
  return { ...connection, prefix: subject };
}

function parseNats(spec: string, flag: string, camera: boolean) {
  try {
    return parseNatsUrl(spec, { camera });
  } catch (error) {
    if (error instanceof NatsUrlError) throw new UsageError(named(flag, error.message));
    throw error;
  }
}

/** Parses a `--source` spec. @throws UsageError naming `flag`. */
export function parseSource(spec: string, flag = '--source'): VideoSpec {
  if (spec === 'synthetic') return { kind: 'synthetic' };
  if (spec === 'stdin' || spec === '-') return { kind: 'stdin' };
  if (isRelaySpec(spec)) {
    try {
      return { kind: 'http', url: new URL(spec).href };
    } catch {
      throw new UsageError(named(flag, `${spec} is not a valid URL`));
    }
  }
  if (isNatsSpec(spec)) return { kind: 'nats', ...parseNats(spec, flag, true) };
  if (spec.startsWith('exec:')) {
    const command = spec.slice(5).trim();
    if (command === '')
      throw new UsageError(named(flag, 'exec: needs a command, e.g. exec:"ffmpeg … -f mjpeg -"'));
    return { kind: 'exec', command };
  }
  if (spec.startsWith('file:')) {
    const path = spec.slice(5);
    if (path === '') throw new UsageError(named(flag, 'file: needs a path'));
    return { kind: 'file', path };
  }
  if (spec.startsWith('serial:')) {
    const [path, params] = splitQuery(spec.slice(7), named(flag, 'serial:'), ['mode', 'baud']);
    const mode = params.get('mode') ?? 'stream';
    if (mode !== 'stream' && mode !== 'vc0706' && mode !== 'ov528') {
      throw new UsageError(named(flag, `serial: mode must be stream, vc0706 or ov528, not '${mode}'`));
    }
    const baud = params.get('baud');
    const source: VideoSpec = { kind: 'serial', path, mode };
    if (baud !== null) source.baudRate = parseInteger(named(flag, 'serial: baud'), baud, 50, 4_000_000);
    return source;
  }
  throw new UsageError(
    named(
      flag,
      `'${redactNatsUrl(spec)}' is not one of synthetic, serial:PATH, file:PATH, stdin, exec:"COMMAND", http(s)://URL, nats://HOST/PREFIX.CAMERA`,
    ),
  );
}

/** Parses an `--audio` spec. @throws UsageError naming `flag`. */
export function parseAudio(spec: string, flag = '--audio'): AudioSpec {
  if (spec === 'synthetic') return { kind: 'synthetic' };
  if (spec === 'none') return { kind: 'none' };
  if (spec.startsWith('pcm:')) {
    const label = named(flag, 'pcm:');
    const [path, params] = splitQuery(spec.slice(4), label, ['rate', 'channels']);
    return {
      kind: 'pcm',
      path,
      sampleRate: parseInteger(`${label} rate`, params.get('rate') ?? '8000', 1000, 192_000),
      channels: parseInteger(`${label} channels`, params.get('channels') ?? '1', 1, 8),
    };
  }
  throw new UsageError(named(flag, `'${spec}' is not one of synthetic, pcm:PATH|-, none`));
}

function splitQuery(rest: string, label: string, known: string[]): [string, URLSearchParams] {
  const mark = rest.indexOf('?');
  const path = mark < 0 ? rest : rest.slice(0, mark);
  if (path === '') throw new UsageError(`${label} needs a path`);
  const params = new URLSearchParams(mark < 0 ? '' : rest.slice(mark + 1));
  for (const name of params.keys()) {
    if (!known.includes(name))
      throw new UsageError(`${label} has an unknown parameter '${name}' (known: ${known.join(', ')})`);
  }
  return [path, params];
}

/** Parses `WxH` (16x16 to 4096x4096). @throws UsageError naming `flag`. */
export function parseSize(text: string, flag = '--size'): { width: number; height: number } {
  const match = /^(\d{1,5})x(\d{1,5})$/i.exec(text);
  if (match === null) throw new UsageError(named(flag, `must be WxH, e.g. 640x480, not '${text}'`));
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width < 16 || height < 16 || width > 4096 || height > 4096) {
    throw new UsageError(named(flag, `${text} is out of range (16x16 to 4096x4096)`));
  }
  return { width, height };
}

/** Parses a whole number from `min` to `max`. @throws UsageError naming `flag`. */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, not '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${flag} must be from ${min} to ${max}, not ${text}`);
  return value;
}

/** Parses a decimal number from `min` to `max`. @throws UsageError naming `flag`. */
export function parseNumber(flag: string, text: string, min: number, max: number): number {
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text))
    throw new UsageError(`${flag} must be a number, not '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${flag} must be from ${min} to ${max}, not ${text}`);
  return value;
}

/** Parses a log level. @throws UsageError naming `flag`. */
export function parseLogLevel(text: string, flag = '--log-level'): LogLevel {
  if (text === 'debug' || text === 'info' || text === 'warn') return text;
  throw new UsageError(named(flag, `must be info, debug or warn, not '${text}'`));
}
