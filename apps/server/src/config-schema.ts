import { CAMERA_NAME_PATTERN } from '@mjpeg-kit/server';
import { z } from 'zod';
import {
  type AudioSpec,
  type LogLevel,
  MAX_FPS,
  MIN_FPS,
  type PublishSpec,
  parseAudio,
  parseLogLevel,
  parsePublish,
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

const publishMap = map(
  {
    url: parsed('a nats:// URL', (spec) => parsePublish(spec, '')),
    cameras: z
      .array(
        text('a camera name').refine((name) => CAMERA_NAME_PATTERN.test(name), 'expected a camera name'),
        { error: (issue) => `expected a list of camera names, got ${describeValue(issue.input)}` },
      )
      .min(1, 'expected at least one camera')
      .optional(),
    tls: z
      .union(
        [
          boolean,
          map({
            ca: text('a CA file').optional(),
            cert: text('a certificate file').optional(),
            key: text('a key file').optional(),
          }),
        ],
        {
          error: (issue) =>
            `expected true, false or a map of ca, cert and key files, got ${describeValue(issue.input)}`,
        },
      )
      .optional(),
    user: text('a user name').optional(),
    pass: text('a password').optional(),
    token: text('a token').optional(),
  },
  'a nats:// URL or a map with url',
)
  .superRefine((value, context) => {
    const given = (key: 'user' | 'pass' | 'token') =>
      value[key] !== undefined && value.url[key] !== undefined;
    for (const key of ['user', 'pass', 'token'] as const) {
      if (given(key))
        context.addIssue({ code: 'custom', path: [key], message: `given twice: as ${key} and in url` });
    }
    const user = value.user ?? value.url.user;
    const pass = value.pass ?? value.url.pass;
    if ((user === undefined) !== (pass === undefined)) {
      context.addIssue({
        code: 'custom',
        path: [user === undefined ? 'pass' : 'user'],
        message: 'user and pass go together',
      });
    }
    if (value.tls === false && value.url.tls === true) {
      context.addIssue({ code: 'custom', path: ['tls'], message: 'false, but the url asks for TLS' });
    }
  })
  .transform((value): PublishSpec => {
    const { url, cameras, tls, ...credentials } = value;
    const spec: PublishSpec = {
      ...url,
      ...credentials,
      tls: typeof tls === 'object' ? tls : (tls ?? url.tls),
    };
    if (cameras !== undefined) spec.cameras = [...new Set(cameras)];
    return spec;
  });

/** `publish:` a URL, or a map with the URL and the cameras, TLS and credentials. */
const publish = z.preprocess((value) => (typeof value === 'string' ? { url: value } : value), publishMap);

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
    publish: publish.optional(),
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
