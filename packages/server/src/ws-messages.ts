import { Buffer } from 'node:buffer';
import type { MediaPacket, PiecesMediaPacket } from '@mjpeg-kit/bytes';
import type { AudioFormat } from './hub.js';

/** The WebSocket subprotocol of `/ws`; an upgrade that does not offer it is refused with 400. */
export const WS_PROTOCOL = 'mjpeg-kit.v1';
/** Largest text message a client may send, bytes; a longer one is an error and closes 1008. */
export const MAX_WS_MESSAGE_BYTES = 4096;
/** Most cameras one `/ws` connection may subscribe to at once. */
export const MAX_WS_SUBSCRIPTIONS = 64;
/** Most video credit a subscription may hold (a grant beyond it is capped). */
export const MAX_WS_CREDIT = 16;
/** Largest `fps` cap a subscription may ask for. */
export const MAX_WS_FPS = 120;

/** Version byte at offset 0 of every binary message. */
export const WS_PACKET_VERSION = 1;
/** Kind byte at offset 1: a video frame. */
export const WS_KIND_VIDEO = 1;
/** Kind byte at offset 1: an audio packet. */
export const WS_KIND_AUDIO = 2;
/** Version, kind and the 16-bit header length. */
const PREFIX_FIXED_BYTES = 4;

/** Close codes of RFC 6455 §7.4.1 the server uses. */
export const WS_CLOSE_GOING_AWAY = 1001;
export const WS_CLOSE_UNSUPPORTED = 1003;
export const WS_CLOSE_POLICY = 1008;

/** `code` of an `error` message. `VIEWER_LIMIT`: the camera has `maxViewers` viewers already. */
export type WsErrorCode =
  | 'UNKNOWN_CAMERA'
  | 'BAD_MESSAGE'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'BAD_CREDIT'
  | 'VIEWER_LIMIT';

/** A client message the server could not accept; `close` says whether the connection ends (1008). */
export class WsMessageError extends Error {
  override name = 'WsMessageError';
  readonly code: WsErrorCode;
  readonly close: boolean;
  constructor(code: WsErrorCode, message: string, close: boolean) {
    super(message);
    this.code = code;
    this.close = close;
  }
}

/** `subscribe`: start (or update) a camera's feed. */
export interface WsSubscribe {
  type: 'subscribe';
  camera: string;
  audio: boolean;
  /** Frames per second at most; `undefined`: every frame credit allows. */
  fps: number | undefined;
  credit: number;
}

/** `unsubscribe`: stop a camera's feed. */
export interface WsUnsubscribe {
  type: 'unsubscribe';
  camera: string;
}

/** `credit`: `frames` more video frames of a camera. */
export interface WsCredit {
  type: 'credit';
  camera: string;
  frames: number;
}

/** What a client sends. */
export type WsClientMessage = WsSubscribe | WsUnsubscribe | WsCredit;

/** Longest camera name echoed back; real names are at most 32 characters. */
const MAX_NAME_ECHO = 40;

/**
 * Reads one client text message. Unknown fields are ignored (later versions may add some).
 *
 * @throws WsMessageError `BAD_MESSAGE` (close) for a message over {@link MAX_WS_MESSAGE_BYTES},
 * bad JSON, no object, an unknown `type`, a missing or wrongly typed field, an `fps` outside
 * 1..120; `BAD_CREDIT` (close) for a `credit` or `frames` that is no integer in 1..16.
 */
export function parseClientMessage(data: Uint8Array | string): WsClientMessage {
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
  if (bytes > MAX_WS_MESSAGE_BYTES) {
    throw bad(`a message of ${bytes} bytes is over the limit of ${MAX_WS_MESSAGE_BYTES}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  } catch {
    throw bad('the message is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('the message is not a JSON object');
  }
  const message = value as Record<string, unknown>;
  const type = message.type;
  switch (type) {
    case 'subscribe':
      return {
        type,
        camera: readCamera(message),
        audio: readAudio(message.audio),
        fps: readFps(message.fps),
        credit: message.credit === undefined ? 1 : readCount(message.credit, 'credit'),
      };
    case 'unsubscribe':
      return { type, camera: readCamera(message) };
    case 'credit':
      return { type, camera: readCamera(message), frames: readCount(message.frames, 'frames') };
    default:
      throw bad(
        typeof type === 'string'
          ? `unknown message type ${JSON.stringify(type.slice(0, MAX_NAME_ECHO))}`
          : 'the message has no string "type"',
      );
  }
}

function bad(message: string): WsMessageError {
  return new WsMessageError('BAD_MESSAGE', message, true);
}

function readCamera(message: Record<string, unknown>): string {
  const camera = message.camera;
  if (typeof camera !== 'string' || camera === '') throw bad('"camera" must be a non-empty string');
  return camera;
}

function readAudio(audio: unknown): boolean {
  if (audio === undefined) return false;
  if (typeof audio !== 'boolean') throw bad('"audio" must be true or false');
  return audio;
}

function readFps(fps: unknown): number | undefined {
  if (fps === undefined || fps === null) return undefined;
  if (typeof fps !== 'number' || !(fps >= 1 && fps <= MAX_WS_FPS)) {
    throw bad(`"fps" must be a number from 1 to ${MAX_WS_FPS}`);
  }
  return fps;
}

function readCount(count: unknown, field: string): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_WS_CREDIT) {
    throw new WsMessageError('BAD_CREDIT', `"${field}" must be an integer from 1 to ${MAX_WS_CREDIT}`, true);
  }
  return count;
}

/** A name as it may appear in an error message: at most 40 characters. */
export function echoName(name: string): string {
  return name.length > MAX_NAME_ECHO ? `${name.slice(0, MAX_NAME_ECHO)}…` : name;
}

/** One camera of the `hello` message. */
export interface WsCameraInfo {
  name: string;
  online: boolean;
  audio: boolean;
}

/** `hello`, the server's first message. */
export function helloMessage(cameras: readonly WsCameraInfo[]): string {
  return JSON.stringify({ type: 'hello', protocol: WS_PROTOCOL, cameras });
}

/** `subscribed`: the camera's state, and its audio format when audio was asked for and is known. */
export function subscribedMessage(camera: string, online: boolean, audio: AudioFormat | undefined): string {
  return JSON.stringify({
    type: 'subscribed',
    camera,
    online,
    audio:
      audio === undefined ? null : { type: audio.type, rate: audio.sampleRate, channels: audio.channels },
  });
}

/** `status`: a subscribed camera went online or offline. */
export function statusMessage(camera: string, online: boolean): string {
  return JSON.stringify({ type: 'status', camera, online });
}

/** `error`, with the camera it is about and the known cameras where that helps. */
export function errorMessage(
  code: WsErrorCode,
  message: string,
  extra: { camera?: string; known?: readonly string[] } = {},
): string {
  return JSON.stringify({ type: 'error', code, message, ...extra });
}

interface CachedPrefix {
  camera: string;
  prefix: Buffer;
}

/**
 * Prefixes already built, keyed on the packet object the hub passes to every listener: each is
 * built once per packet, whatever the number of connections. The camera name is part of the
 * key's value because one hub may be served under two names.
 */
const prefixes = new WeakMap<object, CachedPrefix>();

/**
 * The bytes before a packet's body in its binary message: version, kind, header length
 * (uint16 big-endian) and the JSON header `{ camera, type, ts, seq }` (audio adds `rate` and
 * `channels`). Built once per packet and camera, shared by every connection.
 */
export function packetPrefix(packet: MediaPacket | PiecesMediaPacket, camera: string): Buffer {
  const cached = prefixes.get(packet);
  if (cached !== undefined && cached.camera === camera) return cached.prefix;
  const video = packet.type === 'image/jpeg';
  const header: Record<string, unknown> = { camera, type: packet.type, ts: packet.timestamp };
  if (packet.seq !== undefined) header.seq = packet.seq;
  if (!video) {
    header.rate = packet.sampleRate ?? 8000;
    header.channels = packet.channels ?? 1;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.allocUnsafe(PREFIX_FIXED_BYTES + json.length);
  prefix[0] = WS_PACKET_VERSION;
  prefix[1] = video ? WS_KIND_VIDEO : WS_KIND_AUDIO;
  // Camera names are at most 32 characters: the header never nears 65535 bytes.
  prefix.writeUInt16BE(json.length, 2);
  json.copy(prefix, PREFIX_FIXED_BYTES);
  prefixes.set(packet, { camera, prefix });
  return prefix;
}

/** The body bytes of a packet, as they are held (pieces are not joined). */
export function bodyPieces(packet: MediaPacket | PiecesMediaPacket): readonly Uint8Array[] {
  return 'pieces' in packet ? packet.pieces : [packet.body];
}

/** The body's length, bytes. */
export function bodyLength(packet: MediaPacket | PiecesMediaPacket): number {
  return 'pieces' in packet ? packet.bodyLength : packet.body.length;
}

/** An audio packet's duration, ms (`audio/PCMU` one byte per sample, `audio/L16` two). */
export function audioDurationMs(packet: MediaPacket | PiecesMediaPacket): number {
  const rate = packet.sampleRate ?? 8000;
  const channels = packet.channels ?? 1;
  const bytesPerSample = packet.type === 'audio/PCMU' ? 1 : 2;
  return (bodyLength(packet) / (bytesPerSample * channels) / rate) * 1000;
}
