import { readFileSync } from 'node:fs';
import { CAMERA_NAME_PATTERN } from '@mjpeg-kit/server';
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument } from 'yaml';
import { type CameraFileConfig, configSchema, type FileConfig, KNOWN_KEYS_MARK } from './config-schema.js';
import { type AudioSpec, type LogLevel, type PublishSpec, UsageError, type VideoSpec } from './specs.js';

/** What a camera may set: each key also a flag, whose value is every camera's default. */
export interface CameraSettings {
  source?: VideoSpec;
  audio?: AudioSpec;
  size?: { width: number; height: number };
  fps?: number;
  idleStopMs?: number;
  dropSameFrames?: boolean;
  stallTimeoutMs?: number;
  maxViewers?: number;
  sourceTimeoutMs?: number;
}

/** The settings a config file or the flags gave, each absent when not given. */
export interface Settings extends CameraSettings {
  host?: string;
  port?: number;
  /** `USER:PASS`. */
  auth?: string;
  key?: string;
  metricsKey?: string;
  allowOrigin?: string;
  tlsCert?: string;
  tlsKey?: string;
  webRoot?: string;
  logLevel?: LogLevel;
  publish?: PublishSpec;
}

/** A config file's content: its top-level settings and its cameras in file order. */
export interface ConfigFile {
  settings: Settings;
  cameras: { name: string; settings: CameraSettings }[];
}

/** A config file the server cannot use: one line per problem, exit status 2. */
export class ConfigError extends UsageError {
  override name = 'ConfigError';
  /** Each problem: `key.path: what is wrong (line N)`. */
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(problems.map((problem) => `${file}: ${problem}`).join('\n'));
    this.problems = problems;
  }
}

/**
 * Reads and checks a YAML config file.
 *
 * @throws ConfigError for an unreadable file, a YAML syntax error, an unknown key, a bad value
 * or a duplicate camera, naming the key path and line of each.
 */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read the config file: ${(error as Error).message}`]);
  }
  return parseConfig(text, path);
}

/** {@link loadConfigFile} on text already read; `file` names it in messages. */
export function parseConfig(text: string, file = 'config'): ConfigFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((error) => `YAML syntax error: ${error.message} (line ${lineAt(error.pos[0])})`),
    );
  }
  const problems: string[] = [];
  const report = (path: readonly PropertyKey[], message: string, offset: number | undefined) => {
    const where = path.length === 0 ? '' : `${path.map(String).join('.')}: `;
    problems.push(
      offset === undefined ? `${where}${message}` : `${where}${message} (line ${lineAt(offset)})`,
    );
  };

  const root = doc.contents;
  findDuplicateKeys(root, [], report);
  const cameraOrder = cameraNames(root);
  for (const { name, keyOffset } of cameraOrder) {
    if (!CAMERA_NAME_PATTERN.test(name)) {
      report(
        ['cameras', name],
        'a camera name is 1–32 of a-z, 0-9, _ and -, starting with a letter or digit',
        keyOffset,
      );
    }
  }

  const result = configSchema.safeParse(root === null ? {} : doc.toJS());
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const known = issue.message.startsWith(KNOWN_KEYS_MARK) ? ` (${issue.message})` : '';
        for (const key of issue.keys) {
          const path = [...issue.path, key];
          report(path, `unknown key${known}`, offsetOf(root, path, true));
        }
      } else {
        report(issue.path, issue.message, offsetOf(root, issue.path, false));
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  const config = result.data as FileConfig;
  const settings = topLevelSettings(config, (path, message) =>
    report(path, message, offsetOf(root, path, true)),
  );
  if (problems.length > 0) throw new ConfigError(file, problems);
  const cameras = cameraOrder.map(({ name }) => ({
    name,
    settings: cameraSettings(config.cameras?.[name] as CameraFileConfig),
  }));
  return { settings, cameras };
}

function cameraSettings(camera: Partial<CameraFileConfig>): CameraSettings {
  return definedOnly({
    source: camera.source,
    audio: camera.audio,
    size: camera.size,
    fps: camera.fps,
    idleStopMs: camera['idle-stop'],
    dropSameFrames: camera['drop-same-frames'],
    stallTimeoutMs: camera['stall-timeout'],
    maxViewers: camera['max-viewers'],
    sourceTimeoutMs: camera['source-timeout'],
  });
}

function topLevelSettings(config: FileConfig, report: (path: string[], message: string) => void): Settings {
  const either = <T>(short: string, value: T | undefined, long: string[], other: T | undefined) => {
    if (value !== undefined && other !== undefined) {
      report([short], `given twice: as ${short} and as ${long.join('.')}`);
    }
    return value ?? other;
  };
  if (config.source !== undefined && config.cameras !== undefined) {
    report(['source'], 'with cameras, each camera names its own source (cameras.NAME.source)');
  }
  return definedOnly({
    ...cameraSettings(config),
    source: config.source,
    host: either('host', config.host, ['listen', 'host'], config.listen?.host),
    port: either('port', config.port, ['listen', 'port'], config.listen?.port),
    auth: config.auth === undefined ? undefined : `${config.auth.user}:${config.auth.password}`,
    key: config.key,
    metricsKey: config['metrics-key'],
    allowOrigin: config['allow-origin'],
    tlsCert: either('tls-cert', config['tls-cert'], ['tls', 'cert'], config.tls?.cert),
    tlsKey: either('tls-key', config['tls-key'], ['tls', 'key'], config.tls?.key),
    webRoot: config['web-root'],
    logLevel: config['log-level'],
    publish: config.publish,
  });
}

function definedOnly<T extends object>(object: T): T {
  for (const key of Object.keys(object) as (keyof T)[]) {
    if (object[key] === undefined) delete object[key];
  }
  return object;
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function startOf(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

/**
 * The offset of the node a path names: the value's (or with `atKey`, the key's) start. A path
 * that runs out (a missing key) lands on the last key found, which holds the missing one.
 */
function offsetOf(root: unknown, path: readonly PropertyKey[], atKey: boolean): number | undefined {
  let node: unknown = root;
  let offset = startOf(root);
  let holder = offset;
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => keyOf(item) === String(segment));
      if (pair === undefined) return holder;
      holder = startOf(pair.key);
      const value = pair.value as Node | null;
      offset = (last && atKey) || startOf(value) === undefined ? startOf(pair.key) : startOf(value);
      if (value !== null && isScalar(value) && value.value === null) offset = startOf(pair.key);
      node = value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = startOf(node) ?? offset;
      holder = offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** The cameras in file order (a JS object would put numeric names like `1` first). */
function cameraNames(root: unknown): { name: string; keyOffset: number | undefined }[] {
  if (!isMap(root)) return [];
  const cameras = root.items.find((pair) => keyOf(pair) === 'cameras')?.value;
  if (!isMap(cameras)) return [];
  const seen = new Set<string>();
  const names: { name: string; keyOffset: number | undefined }[] = [];
  for (const pair of cameras.items) {
    const name = keyOf(pair);
    if (seen.has(name)) continue;
    seen.add(name);
    names.push({ name, keyOffset: startOf(pair.key) });
  }
  return names;
}

/** Every key given twice in one map; under `cameras` that is a duplicate camera. */
function findDuplicateKeys(
  node: unknown,
  path: string[],
  report: (path: readonly PropertyKey[], message: string, offset: number | undefined) => void,
): void {
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries())
      findDuplicateKeys(item, [...path, String(index)], report);
    return;
  }
  if (!isMap(node)) return;
  const firstLine = new Map<string, number | undefined>();
  for (const pair of node.items) {
    const key = keyOf(pair);
    const offset = startOf(pair.key);
    if (firstLine.has(key)) {
      const what = path.length === 1 && path[0] === 'cameras' ? 'duplicate camera' : 'duplicate key';
      report([...path, key], what, offset);
      continue;
    }
    firstLine.set(key, offset);
    findDuplicateKeys(pair.value, [...path, key], report);
  }
}
