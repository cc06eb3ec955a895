import { parseArgs } from 'node:util';
import { checkWebRoot, WebRootError } from './web-root.js';

/** A flag the CLI cannot accept: printed with a hint, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Where frames come from. */
export type VideoSpec =
  | { kind: 'synthetic' }
  | { kind: 'serial'; path: string; mode: 'stream' | 'vc0706' | 'ov528'; baudRate?: number }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' }
  | { kind: 'exec'; command: string }
  | { kind: 'http'; url: string };

/** Where audio comes from. */
export type AudioSpec =
  | { kind: 'synthetic' }
  | { kind: 'pcm'; path: string; sampleRate: number; channels: number }
  | { kind: 'none' };

export type LogLevel = 'debug' | 'info' | 'warn';

/** Everything the command line chose, checked. */
export interface ServerConfig {
  host: string;
  port: number;
  source: VideoSpec;
  audio: AudioSpec;
  width: number;
  height: number;
  fps: number;
  auth?: string;
  key?: string;
  allowOrigin?: string;
  maxViewers?: number;
  stallTimeoutMs?: number;
  idleStopMs?: number;
  /** A relayed (http) source silent this long is dropped and reconnected. */
  sourceTimeoutMs?: number;
  dropSameFrames: boolean;
  tlsCert?: string;
  tlsKey?: string;
  /** `--web-root DIR`, absolute, known to hold an `index.html`: the page served at `/`. */
  webRoot?: string;
  logLevel: LogLevel;
}

export const USAGE = `Usage: mjpeg-kit-server [options]

Serve a camera as MJPEG over HTTP, with PCM audio alongside.

Options:
  --host HOST             address to listen on (default 127.0.0.1; 0.0.0.0 for the LAN)
  --port PORT             port (default 8080; 0 picks a free one)
  --source SPEC           synthetic (default)
                          serial:PATH[?mode=stream|vc0706|ov528&baud=N]
                          file:PATH          an .mjpeg file or saved multipart stream, looped
                          stdin              concatenated JPEGs on standard input
                          exec:"COMMAND"     a command writing JPEGs to stdout (respawned)
                          http(s)://[user:pass@]HOST/PATH   relay another MJPEG server
  --audio SPEC            synthetic (default), none,
                          pcm:PATH|-[?rate=8000|16000&channels=1]  S16_LE PCM (- is stdin)
  --size WxH              synthetic camera size (default 640x480)
  --fps N                 synthetic camera and file frame rate (default 30)
  --auth USER:PASS        require HTTP Basic auth
  --key TOKEN             admit requests carrying ?key=TOKEN
  --allow-origin ORIGIN   send Access-Control-Allow-Origin: ORIGIN
  --max-viewers N         refuse viewers beyond N with 503 (default 10000)
  --stall-timeout S       drop a viewer that reads nothing for S seconds (default 5)
  --idle-stop S           stop the source after S seconds without viewers; restart on demand
  --source-timeout S      reconnect an http source silent for S seconds (default 10)
  --drop-same-frames      skip frames identical to the previous one
  --tls-cert FILE         serve HTTPS with this certificate (PEM) ...
  --tls-key FILE          ... and this private key (PEM)
  --web-root DIR          serve the player page from DIR (its index.html and assets)
                          instead of the one shipped with this package
  --log-level LEVEL       info (default), debug or warn
  -h, --help              show this help
  -v, --version           print the version

URLs: /stream  /snapshot.jpg  /audio.wav  /av  /state  /  (see the README)`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  source: { type: 'string' },
  audio: { type: 'string' },
  size: { type: 'string' },
  fps: { type: 'string' },
  auth: { type: 'string' },
  key: { type: 'string' },
  'allow-origin': { type: 'string' },
  'max-viewers': { type: 'string' },
  'stall-timeout': { type: 'string' },
  'idle-stop': { type: 'string' },
  'source-timeout': { type: 'string' },
  'drop-same-frames': { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'web-root': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** What `parseCommandLine` found: a config, or a request for help or the version. */
export type CommandLine =
  | { action: 'run'; config: ServerConfig }
  | { action: 'help' }
  | { action: 'version' };

/**
 * Parses and checks the arguments (without `node` and the script).
 *
 * @throws UsageError for an unknown flag, a missing value or a value out of range.
 */
export function parseCommandLine(argv: string[]): CommandLine {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.help) return { action: 'help' };
  if (values.version) return { action: 'version' };

  const [width, height] = parseSize(values.size ?? '640x480');
  const config: ServerConfig = {
    host: values.host ?? '127.0.0.1',
    port: parseInteger('--port', values.port ?? '8080', 0, 65535),
    source: parseSource(values.source ?? 'synthetic'),
    // A relay carries its upstream's audio (an /av stream); no synthetic tone on top of it.
    audio: parseAudio(values.audio ?? (/^https?:\/\//i.test(values.source ?? '') ? 'none' : 'synthetic')),
    width,
    height,
    fps: parseNumber('--fps', values.fps ?? '30', 0.1, 120),
    dropSameFrames: values['drop-same-frames'] ?? false,
    logLevel: parseLogLevel(values['log-level'] ?? 'info'),
  };
  if (config.host === '') throw new UsageError('--host needs an address');
  if (config.source.kind === 'stdin' && config.audio.kind === 'pcm' && config.audio.path === '-') {
    throw new UsageError('--source stdin and --audio pcm:- cannot both read standard input');
  }
  if (config.source.kind === 'synthetic' && config.fps < 1) {
    throw new UsageError(`the synthetic camera needs --fps of at least 1, not ${config.fps}`);
  }
  if (values.auth !== undefined) {
    if (!/^[^:]+:.+$/.test(values.auth)) throw new UsageError('--auth must be USER:PASS');
    config.auth = values.auth;
  }
  if (values.key !== undefined) {
    if (values.key === '') throw new UsageError('--key needs a token');
    config.key = values.key;
  }
  if (values['allow-origin'] !== undefined) {
    if (!/^[\x21-\x7e]+$/.test(values['allow-origin']))
      throw new UsageError('--allow-origin must be * or an origin');
    config.allowOrigin = values['allow-origin'];
  }
  if (values['max-viewers'] !== undefined) {
    config.maxViewers = parseInteger('--max-viewers', values['max-viewers'], 1, 1_000_000);
  }
  if (values['stall-timeout'] !== undefined) {
    config.stallTimeoutMs = parseNumber('--stall-timeout', values['stall-timeout'], 0.05, 3600) * 1000;
  }
  if (values['idle-stop'] !== undefined) {
    config.idleStopMs = parseNumber('--idle-stop', values['idle-stop'], 0, 86_400) * 1000;
  }
  if (values['source-timeout'] !== undefined) {
    config.sourceTimeoutMs = parseNumber('--source-timeout', values['source-timeout'], 0.1, 3600) * 1000;
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  if (values['tls-cert'] !== undefined) {
    config.tlsCert = values['tls-cert'];
    config.tlsKey = values['tls-key'];
  }
  if (values['web-root'] !== undefined) {
    if (values['web-root'] === '') throw new UsageError('--web-root needs a directory');
    try {
      config.webRoot = checkWebRoot(values['web-root']);
    } catch (error) {
      if (error instanceof WebRootError) throw new UsageError(error.message);
      throw error;
    }
  }
  return { action: 'run', config };
}

function parseSource(spec: string): VideoSpec {
  if (spec === 'synthetic') return { kind: 'synthetic' };
  if (spec === 'stdin' || spec === '-') return { kind: 'stdin' };
  if (/^https?:\/\//i.test(spec)) {
    try {
      return { kind: 'http', url: new URL(spec).href };
    } catch {
      throw new UsageError(`--source ${spec} is not a valid URL`);
    }
  }
  if (spec.startsWith('exec:')) {
    const command = spec.slice(5).trim();
    if (command === '')
      throw new UsageError('--source exec: needs a command, e.g. exec:"ffmpeg … -f mjpeg -"');
    return { kind: 'exec', command };
  }
  if (spec.startsWith('file:')) {
    const path = spec.slice(5);
    if (path === '') throw new UsageError('--source file: needs a path');
    return { kind: 'file', path };
  }
  if (spec.startsWith('serial:')) {
    const [path, params] = splitQuery(spec.slice(7), '--source serial:', ['mode', 'baud']);
    const mode = params.get('mode') ?? 'stream';
    if (mode !== 'stream' && mode !== 'vc0706' && mode !== 'ov528') {
      throw new UsageError(`--source serial: mode must be stream, vc0706 or ov528, not '${mode}'`);
    }
    const baud = params.get('baud');
    const source: VideoSpec = { kind: 'serial', path, mode };
    if (baud !== null) source.baudRate = parseInteger('--source serial: baud', baud, 50, 4_000_000);
    return source;
  }
  throw new UsageError(
    `--source '${spec}' is not one of synthetic, serial:PATH, file:PATH, stdin, exec:"COMMAND", http(s)://URL`,
  );
}

function parseAudio(spec: string): AudioSpec {
  if (spec === 'synthetic') return { kind: 'synthetic' };
  if (spec === 'none') return { kind: 'none' };
  if (spec.startsWith('pcm:')) {
    const [path, params] = splitQuery(spec.slice(4), '--audio pcm:', ['rate', 'channels']);
    return {
      kind: 'pcm',
      path,
      sampleRate: parseInteger('--audio pcm: rate', params.get('rate') ?? '8000', 1000, 192_000),
      channels: parseInteger('--audio pcm: channels', params.get('channels') ?? '1', 1, 8),
    };
  }
  throw new UsageError(`--audio '${spec}' is not one of synthetic, pcm:PATH|-, none`);
}

function splitQuery(rest: string, flag: string, known: string[]): [string, URLSearchParams] {
  const mark = rest.indexOf('?');
  const path = mark < 0 ? rest : rest.slice(0, mark);
  if (path === '') throw new UsageError(`${flag} needs a path`);
  const params = new URLSearchParams(mark < 0 ? '' : rest.slice(mark + 1));
  for (const name of params.keys()) {
    if (!known.includes(name))
      throw new UsageError(`${flag} has an unknown parameter '${name}' (known: ${known.join(', ')})`);
  }
  return [path, params];
}

function parseSize(text: string): [number, number] {
  const match = /^(\d{1,5})x(\d{1,5})$/i.exec(text);
  if (match === null) throw new UsageError(`--size must be WxH, e.g. 640x480, not '${text}'`);
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width < 16 || height < 16 || width > 4096 || height > 4096) {
    throw new UsageError(`--size ${text} is out of range (16x16 to 4096x4096)`);
  }
  return [width, height];
}

function parseInteger(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, not '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${flag} must be from ${min} to ${max}, not ${text}`);
  return value;
}

function parseNumber(flag: string, text: string, min: number, max: number): number {
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text))
    throw new UsageError(`${flag} must be a number, not '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${flag} must be from ${min} to ${max}, not ${text}`);
  return value;
}

function parseLogLevel(text: string): LogLevel {
  if (text === 'debug' || text === 'info' || text === 'warn') return text;
  throw new UsageError(`--log-level must be info, debug or warn, not '${text}'`);
}
