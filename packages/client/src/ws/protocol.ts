import type { MediaPacket, MediaType } from '@mjpeg-kit/bytes';
import { StreamError } from '../errors.js';

/** The WebSocket subprotocol (and protocol version) of `/ws`. */
export const WS_PROTOCOL = 'mjpeg-kit.v1';
/** Byte 0 of every binary message. */
export const WS_PACKET_VERSION = 1;
/** Byte 1: a video frame. */
export const WS_KIND_VIDEO = 1;
/** Byte 1: an audio packet. */
export const WS_KIND_AUDIO = 2;
/** Longest JSON header of a binary message this client accepts, bytes. */
export const MAX_WS_HEADER_BYTES = 16 * 1024;
/** Most credit one subscription may ask for or hold. */
export const MAX_WS_CREDIT = 16;
/** Highest `fps` cap. */
export const MAX_WS_FPS = 120;
/** Most cameras one connection may subscribe to. */
export const MAX_WS_SUBSCRIPTIONS = 64;
/** Longest text message a client may send, bytes. */
export const MAX_WS_CLIENT_MESSAGE_BYTES = 4096;
/** Longest text message this client accepts from a server (a `hello` listing many cameras), characters. */
export const MAX_WS_SERVER_TEXT_CHARS = 1024 * 1024;
/** Most cameras of a `hello` kept. */
export const MAX_WS_HELLO_CAMERAS = 4096;

const PREFIX_FIXED_BYTES = 4;

/** The JSON header of a binary message. */
export interface WsPacketHeader {
  camera: string;
  type: MediaType;
  /** Epoch milliseconds (may have a fraction). */
  ts: number;
  seq?: number;
  /** Audio only. */
  rate?: number;
  /** Audio only. */
  channels?: number;
}

/** A decoded binary message: the camera it belongs to and the packet (its body a view, not a copy). */
export interface WsPacket {
  camera: string;
  kind: typeof WS_KIND_VIDEO | typeof WS_KIND_AUDIO;
  packet: MediaPacket;
}

/** A camera as `hello` lists it. */
export interface WsCameraInfo {
  name: string;
  online: boolean;
  audio: boolean;
}

/** The audio a `subscribed` message announces. */
export interface WsAudioInfo {
  type: string;
  rate: number;
  channels: number;
}

/** Server text messages this client understands; others are ignored (later versions may add some). */
export type WsServerMessage =
  | { type: 'hello'; protocol: string; cameras: WsCameraInfo[] }
  | { type: 'subscribed'; camera: string; online: boolean; audio: WsAudioInfo | null }
  | { type: 'status'; camera: string; online: boolean }
  | { type: 'error'; code: string; message: string; camera: string | undefined; known: string[] | undefined };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function protocolError(message: string, cause?: unknown): StreamError {
  return new StreamError(
    'PROTOCOL',
    `${WS_PROTOCOL}: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The 4 + H byte prefix of a binary message for `header` (version, kind from `header.type`,
 * big-endian header length, UTF-8 JSON). Send it, then the body, as one message.
 * @throws StreamError `PROTOCOL` when the JSON is longer than {@link MAX_WS_HEADER_BYTES}.
 */
export function encodeWsPacketPrefix(header: WsPacketHeader): Uint8Array {
  const json = encoder.encode(JSON.stringify(header));
  if (json.length > MAX_WS_HEADER_BYTES) throw protocolError(`header of ${json.length} bytes is too long`);
  const prefix = new Uint8Array(PREFIX_FIXED_BYTES + json.length);
  prefix[0] = WS_PACKET_VERSION;
  prefix[1] = header.type === 'image/jpeg' ? WS_KIND_VIDEO : WS_KIND_AUDIO;
  prefix[2] = json.length >> 8;
  prefix[3] = json.length & 0xff;
  prefix.set(json, PREFIX_FIXED_BYTES);
  return prefix;
}

/** A whole binary message: {@link encodeWsPacketPrefix} then `body` (one copy; servers send the two as fragments). */
export function encodeWsPacket(header: WsPacketHeader, body: Uint8Array): Uint8Array {
  const prefix = encodeWsPacketPrefix(header);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix);
  message.set(body, prefix.length);
  return message;
}

const MEDIA_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'audio/L16', 'audio/PCMU']);

function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Decodes one binary message. The packet's body is a view into `data` (no copy).
 * @throws StreamError `PROTOCOL` for a message shorter than its prefix, a version other than 1,
 *   an unknown kind, a header longer than {@link MAX_WS_HEADER_BYTES} or than the message,
 *   a header that is not UTF-8 JSON, or fields of the wrong type.
 */
export function decodeWsPacket(data: ArrayBuffer | Uint8Array): WsPacket {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < PREFIX_FIXED_BYTES) throw protocolError(`binary message of ${bytes.length} bytes`);
  if (bytes[0] !== WS_PACKET_VERSION) throw protocolError(`unknown packet version ${bytes[0]}`);
  const kind = bytes[1];
  if (kind !== WS_KIND_VIDEO && kind !== WS_KIND_AUDIO) throw protocolError(`unknown packet kind ${kind}`);
  const headerLength = (bytes[2]! << 8) | bytes[3]!;
  if (headerLength > MAX_WS_HEADER_BYTES) throw protocolError(`header of ${headerLength} bytes is too long`);
  if (PREFIX_FIXED_BYTES + headerLength > bytes.length)
    throw protocolError(`header of ${headerLength} bytes in a message of ${bytes.length}`);
  let header: unknown;
  try {
    header = JSON.parse(
      decoder.decode(bytes.subarray(PREFIX_FIXED_BYTES, PREFIX_FIXED_BYTES + headerLength)),
    );
  } catch (cause) {
    throw protocolError('packet header is not UTF-8 JSON', cause);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw protocolError('packet header is not an object');
  const fields = header as Record<string, unknown>;
  const { camera, type, ts, seq, rate, channels } = fields;
  if (typeof camera !== 'string') throw protocolError('packet header has no camera');
  if (typeof type !== 'string' || !MEDIA_TYPES.has(type))
    throw protocolError(`unknown packet type ${String(type)}`);
  if ((type === 'image/jpeg') !== (kind === WS_KIND_VIDEO))
    throw protocolError(`packet type ${type} under kind ${kind}`);
  if (typeof ts !== 'number' || !Number.isFinite(ts)) throw protocolError('packet header has no ts');
  if (seq !== undefined && !isCount(seq, Number.MAX_SAFE_INTEGER))
    throw protocolError('packet seq is not a count');
  const packet: MediaPacket = {
    type: type as MediaType,
    body: bytes.subarray(PREFIX_FIXED_BYTES + headerLength),
    timestamp: ts,
  };
  if (seq !== undefined) packet.seq = seq;
  if (kind === WS_KIND_AUDIO) {
    if (!isCount(rate, 1_000_000) || rate === 0) throw protocolError('audio packet without a rate');
    if (!isCount(channels, 32) || channels === 0) throw protocolError('audio packet without channels');
    packet.sampleRate = rate;
    packet.channels = channels;
  }
  return { camera, kind, packet };
}

/**
 * Reads one server text message: the known types, checked; `undefined` for a type this
 * client does not know.
 * @throws StreamError `PROTOCOL` for a message that is too long, not JSON, or a known type with wrong fields.
 */
export function parseWsServerMessage(text: string): WsServerMessage | undefined {
  if (text.length > MAX_WS_SERVER_TEXT_CHARS)
    throw protocolError(`text message of ${text.length} characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw protocolError('text message is not JSON', cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw protocolError('text message is not an object');
  const message = value as Record<string, unknown>;
  const type = message.type;
  const camera = message.camera;
  switch (type) {
    case 'hello': {
      if (typeof message.protocol !== 'string') throw protocolError('hello without protocol');
      const list = Array.isArray(message.cameras) ? message.cameras.slice(0, MAX_WS_HELLO_CAMERAS) : [];
      const cameras: WsCameraInfo[] = [];
      for (const entry of list) {
        if (typeof entry !== 'object' || entry === null || typeof entry.name !== 'string') continue;
        cameras.push({ name: entry.name, online: entry.online === true, audio: entry.audio === true });
      }
      return { type, protocol: message.protocol, cameras };
    }
    case 'subscribed': {
      if (typeof camera !== 'string') throw protocolError('subscribed without camera');
      const audio = message.audio as Record<string, unknown> | null | undefined;
      const info =
        typeof audio === 'object' &&
        audio !== null &&
        typeof audio.type === 'string' &&
        typeof audio.rate === 'number' &&
        typeof audio.channels === 'number'
          ? { type: audio.type, rate: audio.rate, channels: audio.channels }
          : null;
      return { type, camera, online: message.online !== false, audio: info };
    }
    case 'status':
      if (typeof camera !== 'string' || typeof message.online !== 'boolean')
        throw protocolError('status without camera or online');
      return { type, camera, online: message.online };
    case 'error': {
      const known = Array.isArray(message.known)
        ? message.known
            .filter((name): name is string => typeof name === 'string')
            .slice(0, MAX_WS_HELLO_CAMERAS)
        : undefined;
      return {
        type,
        code: typeof message.code === 'string' ? message.code.slice(0, 64) : 'UNKNOWN',
        message: typeof message.message === 'string' ? message.message.slice(0, 1024) : '',
        camera: typeof camera === 'string' ? camera : undefined,
        known,
      };
    }
    default:
      return undefined;
  }
}
