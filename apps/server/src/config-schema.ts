import { z } from 'zod';
import {
  type AudioSpec,
  type LogLevel,
  MAX_FPS,
  MIN_FPS,
  parseAudio,
  parseLogLevel,
  parseSize,
  parseSource,
  UsageError,
  type VideoSpec,
} from './specs.js';
import { checkWebRoot, WebRootError } from './web-root.js';

/** What a YAML value was, for messages: `"fast"`, `5`, `nothing`, `a list`, `a map`. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/**
 * Marks the message of an `unrecognized_keys` issue: the loader turns such an issue into one
 * line per unknown key, and the message after this mark lists the known ones.
 */
export const KNOWN_KEYS_MARK = 'known: ';

function map<Shape extends z.ZodRawShape>(shape: Shape, what = 'a map') {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${KNOWN_KEYS_MARK}${known}`
        : `expected ${what}, got ${describeValue(issue.input)}`,
  });
}

function numberFrom(min: number, max: number, whole = false) {
  const kind = whole ? 'a whole number' : 'a number';
  const atLeast = (issue: { input?: unknown }) =>
    `expected ${kind} ≥ ${min}, got ${describeValue(issue.input)}`;
  const atMost = (issue: { input?: unknown }) =>
    `expected ${kind} ≤ ${max}, got ${describeValue(issue.input)}`;
  const number = z.number({ error: atLeast });
  return (whole ? number.int({ error: atLeast }) : number)
    .min(min, { error: atLeast })
    .max(max, { error: atMost });
}

/** Seconds in the file, milliseconds in the settings. */
function secondsFrom(min: number, max: number) {
  return numberFrom(min, max).transform((seconds) => seconds * 1000);
}

function text(what: string) {
  const message = (issue: { input?: unknown }) => `expected ${what}, got ${describeValue(issue.input)}`;
  return z.string({ error: message }).min(1, { error: message });
}

/** A string parsed by one of the flag parsers; its UsageError becomes the issue's message. */
function parsed<T>(what: string, parse: (value: string) => T) {
  return text(what).transform((value, context): T => {
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      context.issues.push({ code: 'custom', message: error.message, input: value });
      return z.NEVER;
    }
  });
}

const boolean = z.boolean({ error: (issue) => `expected true or false, got ${describeValue(issue.input)}` });

/** The keys a camera shares with the top level (where they are every camera's default). */
const cameraShape = {
  audio: parsed('an audio spec', (spec): AudioSpec => parseAudio(spec, '')).optional(),
  size: parsed('WxH, e.g. 640x480', (spec) => parseSize(spec, '')).optional(),
  fps: numberFrom(MIN_FPS, MAX_FPS).optional(),
  'idle-stop': secondsFrom(0, 86_400).optional(),
  'drop-same-frames': boolean.optional(),
  'stall-timeout': secondsFrom(0.05, 3600).optional(),
  'max-viewers': numberFrom(1, 1_000_000, true).optional(),
  'source-timeout': secondsFrom(0.1, 3600).optional(),
};

const source = parsed('a source spec', (spec): VideoSpec => parseSource(spec, ''));

/** One camera under `cameras:`. */
export const cameraSchema = map({ source, ...cameraShape }, 'a camera (a map with a source)');

const host = text('an address');
const port = numberFrom(0, 65535, true);

/** The whole config file. */
export const configSchema = map(
  {
    listen: map({ host: host.optional(), port: port.optional() }).optional(),
    host: host.optional(),
    port: port.optional(),
    auth: map({
      user: text('a user name').refine((user) => !user.includes(':'), 'a user name has no ":"'),
      password: text('a password'),
    }).optional(),
    key: text('a token').optional(),
    'metrics-key': text('a token').optional(),
    'allow-origin': text('* or an origin')
      .refine((origin) => /^[\x21-\x7e]+$/.test(origin), 'expected * or an origin')
      .optional(),
    tls: map({ cert: text('a certificate file'), key: text('a key file') }).optional(),
    'tls-cert': text('a certificate file').optional(),
    'tls-key': text('a key file').optional(),
    source: source.optional(),
    ...cameraShape,
    'web-root': parsed('a directory', (dir) => {
      try {
        return checkWebRoot(dir);
      } catch (error) {
        if (error instanceof WebRootError) throw new UsageError(error.message);
        throw error;
      }
    }).optional(),
    'log-level': parsed('info, debug or warn', (level): LogLevel => parseLogLevel(level, '')).optional(),
    cameras: z
      .record(z.string(), cameraSchema, {
        error: (issue) => `expected a map of camera names to cameras, got ${describeValue(issue.input)}`,
      })
      .refine((cameras) => Object.keys(cameras).length > 0, 'expected at least one camera')
      .optional(),
  },
  'a map of settings',
);

/** A camera's validated keys. */
export type CameraFileConfig = z.output<typeof cameraSchema>;
/** The validated file. */
export type FileConfig = z.output<typeof configSchema>;
