import { parseArgs } from 'node:util';
import { CAMERA_NAME_PATTERN, DEFAULT_CAMERA_NAME } from '@mjpeg-kit/server';
import { type CameraSettings, loadConfigFile, type Settings } from './config.js';
import {
  type AudioSpec,
  defaultAudioFor,
  type LogLevel,
  MAX_FPS,
  MIN_FPS,
  type PublishSpec,
  parseAudio,
  parseInteger,
  parseLogLevel,
  parseNumber,
  parsePublish,
  parseSize,
  parseSource,
  UsageError,
  type VideoSpec,
} from './specs.js';
import { checkWebRoot, WebRootError } from './web-root.js';

export type { AudioSpec, LogLevel, PublishSpec, VideoSpec };
export { UsageError };

/** One camera's source and options, checked. */
export interface CameraConfig {
  name: string;
  source: VideoSpec;
  audio: AudioSpec;
  /** Synthetic camera size. */
  width: number;
  height: number;
  /** The synthetic camera's and a file's frame rate. */
  fps: number;
  /**
   * Frames per second published at most, for the sources that set their own pace (exec,
   * serial, stdin, http): set when `fps` was given for one of them.
   */
  fpsCap?: number;
  maxViewers?: number;
  stallTimeoutMs?: number;
  idleStopMs?: number;
  /** A relayed (http) source silent this long is dropped and reconnected. */
  sourceTimeoutMs?: number;
  dropSameFrames: boolean;
}

/**
 * Everything the command line and the config file chose, checked. The camera fields at the top
 * level are the single camera's when `cameras` is absent.
 */
export interface ServerConfig {
  host: string;
  port: number;
  source: VideoSpec;
  audio: AudioSpec;
  width: number;
  height: number;
  fps: number;
  fpsCap?: number;
  auth?: string;
  key?: string;
  /** `--metrics-key`: a token that opens `/metrics` only (for a Prometheus scraper). */
  metricsKey?: string;
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
  /** `--publish` / `publish:`: the NATS origin's target; absent for a server that publishes nothing. */
  publish?: PublishSpec;
  /** The named cameras, in order (the first is the default camera); absent without any. */
  cameras?: CameraConfig[];
}

/** The cameras a config runs: its named ones, or one named `default` from the top-level fields. */
export function camerasOf(config: ServerConfig): CameraConfig[] {
  if (config.cameras !== undefined) return config.cameras;
  const { source, audio, width, height, fps, fpsCap, maxViewers, stallTimeoutMs, idleStopMs } = config;
  return [
    definedOnly({
      name: DEFAULT_CAMERA_NAME,
      source,
      audio,
      width,
      height,
      fps,
      fpsCap,
      maxViewers,
      stallTimeoutMs,
      idleStopMs,
      sourceTimeoutMs: config.sourceTimeoutMs,
      dropSameFrames: config.dropSameFrames,
    }),
  ];
}

export const USAGE = `Usage: mjpeg-kit-server [options]

Serve a camera as MJPEG over HTTP, with PCM audio alongside.

Options:
  --camera NAME=SOURCE    a named camera (repeat for more; SOURCE as --source); without any,
                          one camera named default from --source and --audio
  --config FILE           read settings and cameras from a YAML file (flags override it)
  --host HOST             address to listen on (default 127.0.0.1; 0.0.0.0 for the LAN)
  --port PORT             port (default 8080; 0 picks a free one)
  --source SPEC           synthetic (default)
                          serial:PATH[?mode=stream|vc0706|ov528&baud=N]
                          file:PATH          an .mjpeg file or saved multipart stream, looped
                          stdin              concatenated JPEGs on standard input
                          exec:"COMMAND"     a command writing JPEGs to stdout (respawned)
                          http(s)://[user:pass@]HOST/PATH   relay another MJPEG server
                          nats://[USER:PASS@]HOST:PORT[,HOST:PORT…]/PREFIX.CAMERA
                                             an edge: the camera an origin publishes on NATS
                                             (tls://… or ?tls=1 for TLS)
  --audio SPEC            synthetic (default), none,
                          pcm:PATH|-[?rate=8000|16000&channels=1]  S16_LE PCM (- is stdin)
  --size WxH              synthetic camera size (default 640x480)
  --fps N                 synthetic camera and file frame rate (default 30)
  --auth USER:PASS        require HTTP Basic auth
  --key TOKEN             admit requests carrying ?key=TOKEN
  --metrics-key TOKEN     also admit /metrics with ?key=TOKEN or Authorization: Bearer TOKEN
  --allow-origin ORIGIN   send Access-Control-Allow-Origin: ORIGIN
  --max-viewers N         refuse viewers beyond N with 503 (default 10000)
  --stall-timeout S       drop a viewer that reads nothing for S seconds (default 5)
  --idle-stop S           stop the source after S seconds without viewers; restart on demand
  --source-timeout S      reconnect an http source silent for S seconds (default 10)
  --drop-same-frames      skip frames identical to the previous one
  --tls-cert FILE         serve HTTPS with this certificate (PEM) ...
  --tls-key FILE          ... and this private key (PEM)
  --publish URL           an origin: publish every camera over NATS (see --config's publish:
                          for a subset, TLS files, credentials), URL as
                          nats://[USER:PASS@]HOST:PORT[,HOST:PORT…]/PREFIX
  --web-root DIR          serve the player page from DIR (its index.html and assets)
                          instead of the one shipped with this package
  --log-level LEVEL       info (default), debug or warn
  -h, --help              show this help
  -v, --version           print the version

URLs: /stream  /snapshot.jpg  /audio.wav  /av  /state  /  (the first camera)
      /cams  /cams/NAME/stream|snapshot.jpg|av|audio.wav|state  (see the README)`;

const OPTIONS = {
  camera: { type: 'string', multiple: true },
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  source: { type: 'string' },
  audio: { type: 'string' },
  size: { type: 'string' },
  fps: { type: 'string' },
  auth: { type: 'string' },
  key: { type: 'string' },
  'metrics-key': { type: 'string' },
  'allow-origin': { type: 'string' },
  'max-viewers': { type: 'string' },
  'stall-timeout': { type: 'string' },
  'idle-stop': { type: 'string' },
  'source-timeout': { type: 'string' },
  'drop-same-frames': { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'web-root': { type: 'string' },
  publish: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type FlagValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** What `parseCommandLine` found: a config, or a request for help or the version. */
export type CommandLine =
  | { action: 'run'; config: ServerConfig }
  | { action: 'help' }
  | { action: 'version' };

/**
 * Parses and checks the arguments (without `node` and the script), reading `--config FILE`
 * when given: a flag overrides the file's key of the same name (for every camera, for the
 * per-camera keys).
 *
 * @throws UsageError for an unknown flag, a missing value or a value out of range;
 * ConfigError (a UsageError) for a config file that cannot be read or used.
 */
export function parseCommandLine(argv: string[]): CommandLine {
  let values: FlagValues;
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

  const flags = settingsFromFlags(values);
  if (values.config === '') throw new UsageError('--config needs a file');
  const file = values.config === undefined ? undefined : loadConfigFile(values.config);
  const settings: Settings = { ...file?.settings, ...flags };

  const size = settings.size ?? { width: 640, height: 480 };
  const config: ServerConfig = {
    host: settings.host ?? '127.0.0.1',
    port: settings.port ?? 8080,
    source: settings.source ?? { kind: 'synthetic' },
    audio: settings.audio ?? defaultAudioFor(settings.source ?? { kind: 'synthetic' }),
    width: size.width,
    height: size.height,
    fps: settings.fps ?? 30,
    dropSameFrames: settings.dropSameFrames ?? false,
    logLevel: settings.logLevel ?? 'info',
  };
  const named = namedCameras(file?.cameras ?? [], values.camera ?? []);
  if (named.length === 0) checkCamera(config, '');
  const fpsCap = capOf(config.source, settings.fps);
  if (fpsCap !== undefined) config.fpsCap = fpsCap;
  Object.assign(
    config,
    definedOnly({
      auth: settings.auth,
      key: settings.key,
      metricsKey: settings.metricsKey,
      allowOrigin: settings.allowOrigin,
      maxViewers: settings.maxViewers,
      stallTimeoutMs: settings.stallTimeoutMs,
      idleStopMs: settings.idleStopMs,
      sourceTimeoutMs: settings.sourceTimeoutMs,
      webRoot: settings.webRoot,
      publish: settings.publish,
    }),
  );
  if ((settings.tlsCert === undefined) !== (settings.tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  if (settings.tlsCert !== undefined) {
    config.tlsCert = settings.tlsCert;
    config.tlsKey = settings.tlsKey;
  }

  if (named.length > 0) {
    if (flags.source !== undefined) {
      throw new UsageError('--source names the single camera; with cameras, give each its own source');
    }
    if (file?.settings.source !== undefined) {
      throw new UsageError(
        `${values.config}: source names the single camera; with --camera, give each its own`,
      );
    }
    config.cameras = named.map(({ name, settings: own }) => {
      // A flag beats the camera's own key, which beats the file's top-level one.
      const chosen: CameraSettings = { ...file?.settings, ...own, ...flags, source: own.source };
      return resolveCamera(name, chosen);
    });
    const readingStdin = config.cameras.filter(
      (camera) =>
        camera.source.kind === 'stdin' || (camera.audio.kind === 'pcm' && camera.audio.path === '-'),
    );
    if (readingStdin.length > 1) {
      throw new UsageError(
        `cameras ${readingStdin.map((camera) => camera.name).join(' and ')} cannot all read standard input`,
      );
    }
  }
  if (config.publish !== undefined) checkPublish(config.publish, camerasOf(config));
  return { action: 'run', config };
}

/** The cameras `publish` lists exist, and none would be published onto the subject it reads. */
function checkPublish(publish: PublishSpec, cameras: readonly CameraConfig[]): void {
  const names = cameras.map((camera) => camera.name);
  for (const name of publish.cameras ?? []) {
    if (!names.includes(name)) {
      throw new UsageError(`publish.cameras: no camera '${name}' (cameras: ${names.join(', ')})`);
    }
  }
  for (const camera of cameras) {
    if (publish.cameras !== undefined && !publish.cameras.includes(camera.name)) continue;
    if (camera.source.kind === 'nats' && camera.source.subject === `${publish.prefix}.${camera.name}`) {
      throw new UsageError(
        `camera ${camera.name} reads ${camera.source.subject}, the subject it would be published on`,
      );
    }
  }
}

/** The flags given, parsed; absent flags stay absent so the config file can supply them. */
function settingsFromFlags(values: FlagValues): Settings {
  const settings: Settings = {};
  if (values.size !== undefined) settings.size = parseSize(values.size);
  if (values.host !== undefined) {
    if (values.host === '') throw new UsageError('--host needs an address');
    settings.host = values.host;
  }
  if (values.port !== undefined) settings.port = parseInteger('--port', values.port, 0, 65535);
  if (values.source !== undefined) settings.source = parseSource(values.source);
  if (values.audio !== undefined) settings.audio = parseAudio(values.audio);
  if (values.fps !== undefined) settings.fps = parseNumber('--fps', values.fps, MIN_FPS, MAX_FPS);
  if (values['drop-same-frames'] !== undefined) settings.dropSameFrames = values['drop-same-frames'];
  if (values['log-level'] !== undefined) settings.logLevel = parseLogLevel(values['log-level']);
  if (values.auth !== undefined) {
    if (!/^[^:]+:.+$/.test(values.auth)) throw new UsageError('--auth must be USER:PASS');
    settings.auth = values.auth;
  }
  if (values.key !== undefined) {
    if (values.key === '') throw new UsageError('--key needs a token');
    settings.key = values.key;
  }
  if (values['metrics-key'] !== undefined) {
    if (values['metrics-key'] === '') throw new UsageError('--metrics-key needs a token');
    settings.metricsKey = values['metrics-key'];
  }
  if (values['allow-origin'] !== undefined) {
    if (!/^[\x21-\x7e]+$/.test(values['allow-origin']))
      throw new UsageError('--allow-origin must be * or an origin');
    settings.allowOrigin = values['allow-origin'];
  }
  if (values['max-viewers'] !== undefined) {
    settings.maxViewers = parseInteger('--max-viewers', values['max-viewers'], 1, 1_000_000);
  }
  if (values['stall-timeout'] !== undefined) {
    settings.stallTimeoutMs = parseNumber('--stall-timeout', values['stall-timeout'], 0.05, 3600) * 1000;
  }
  if (values['idle-stop'] !== undefined) {
    settings.idleStopMs = parseNumber('--idle-stop', values['idle-stop'], 0, 86_400) * 1000;
  }
  if (values['source-timeout'] !== undefined) {
    settings.sourceTimeoutMs = parseNumber('--source-timeout', values['source-timeout'], 0.1, 3600) * 1000;
  }
  if (values.publish !== undefined) settings.publish = parsePublish(values.publish);
  if (values['tls-cert'] !== undefined) settings.tlsCert = values['tls-cert'];
  if (values['tls-key'] !== undefined) settings.tlsKey = values['tls-key'];
  if (values['web-root'] !== undefined) {
    if (values['web-root'] === '') throw new UsageError('--web-root needs a directory');
    try {
      settings.webRoot = checkWebRoot(values['web-root']);
    } catch (error) {
      if (error instanceof WebRootError) throw new UsageError(error.message);
      throw error;
    }
  }
  return settings;
}

/** The file's cameras in order, then each `--camera NAME=SOURCE` (replacing a file camera's source). */
function namedCameras(
  fromFile: readonly { name: string; settings: CameraSettings }[],
  flags: readonly string[],
): { name: string; settings: CameraSettings }[] {
  const cameras = fromFile.map(({ name, settings }) => ({ name, settings: { ...settings } }));
  const given = new Set<string>();
  for (const flag of flags) {
    const equals = flag.indexOf('=');
    const name = equals < 0 ? flag : flag.slice(0, equals);
    if (equals < 0 || flag.slice(equals + 1) === '') {
      throw new UsageError(`--camera must be NAME=SOURCE, e.g. front=synthetic, not '${flag}'`);
    }
    if (!CAMERA_NAME_PATTERN.test(name)) {
      throw new UsageError(
        `--camera ${name}: a camera name is 1–32 of a-z, 0-9, _ and -, starting with a letter or digit`,
      );
    }
    if (given.has(name)) throw new UsageError(`--camera ${name} is given twice`);
    given.add(name);
    const source = parseSource(flag.slice(equals + 1), `--camera ${name}:`);
    const existing = cameras.find((camera) => camera.name === name);
    if (existing === undefined) cameras.push({ name, settings: { source } });
    else existing.settings.source = source;
  }
  return cameras;
}

function resolveCamera(name: string, settings: CameraSettings): CameraConfig {
  const source = settings.source ?? { kind: 'synthetic' };
  const size = settings.size ?? { width: 640, height: 480 };
  const camera: CameraConfig = definedOnly({
    name,
    source,
    audio: settings.audio ?? defaultAudioFor(source),
    width: size.width,
    height: size.height,
    fps: settings.fps ?? 30,
    fpsCap: capOf(source, settings.fps),
    maxViewers: settings.maxViewers,
    stallTimeoutMs: settings.stallTimeoutMs,
    idleStopMs: settings.idleStopMs,
    sourceTimeoutMs: settings.sourceTimeoutMs,
    dropSameFrames: settings.dropSameFrames ?? false,
  });
  checkCamera(camera, `camera ${name}: `);
  return camera;
}

/** The synthetic camera and a file play at `fps`; any other source is capped to it when given. */
function capOf(source: VideoSpec, fps: number | undefined): number | undefined {
  return fps === undefined || source.kind === 'synthetic' || source.kind === 'file' ? undefined : fps;
}

function checkCamera(camera: Pick<CameraConfig, 'source' | 'audio' | 'fps'>, prefix: string): void {
  if (camera.source.kind === 'stdin' && camera.audio.kind === 'pcm' && camera.audio.path === '-') {
    throw new UsageError(`${prefix}--source stdin and --audio pcm:- cannot both read standard input`);
  }
  if (camera.source.kind === 'synthetic' && camera.fps < 1) {
    throw new UsageError(`${prefix}the synthetic camera needs --fps of at least 1, not ${camera.fps}`);
  }
}

function definedOnly<T extends object>(object: T): T {
  for (const key of Object.keys(object) as (keyof T)[]) {
    if (object[key] === undefined) delete object[key];
  }
  return object;
}
