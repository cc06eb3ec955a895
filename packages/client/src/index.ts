export type { PacketBodyForm, PacketOf, PiecesMediaPacket, ReconnectOptions } from '@mjpeg-kit/bytes';
export { backoffDelayMs, contiguousBody, DEFAULT_MAX_DELAY_MS, DEFAULT_MIN_DELAY_MS } from '@mjpeg-kit/bytes';
export type { Credentials } from './auth.js';
export type { MediaDemuxerOptions, MediaDemuxerStats } from './demuxer.js';
export { MediaDemuxer } from './demuxer.js';
export type { BodyFormat } from './detect.js';
export { detectBodyFormat, SNIFF_MAX_BYTES } from './detect.js';
export type { StreamErrorCode } from './errors.js';
export { StreamError } from './errors.js';
export type { ReadFailure, ReadFallback } from './fallback.js';
export { chooseReadFallback, withRawParam } from './fallback.js';
export type { MjpegStream, OpenStreamOptions, StreamParser, StreamStats } from './open-stream.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, openStream } from './open-stream.js';
export type { WsCameraOptions, WsCameraStream, WsStreamStats } from './ws/camera.js';
export type {
  WebSocketConstructor,
  WebSocketLike,
  WsConnection,
  WsConnectionOptions,
  WsConnectionStats,
} from './ws/connection.js';
export {
  DEFAULT_WS_CONNECT_TIMEOUT_MS,
  DEFAULT_WS_IDLE_TIMEOUT_MS,
  DEFAULT_WS_MAX_MESSAGE_BYTES,
  openWsConnection,
} from './ws/connection.js';
export type { OpenWsStreamOptions, WsStream } from './ws/open-ws-stream.js';
export { openWsStream } from './ws/open-ws-stream.js';
export type { WsAudioInfo, WsCameraInfo, WsPacket, WsPacketHeader, WsServerMessage } from './ws/protocol.js';
export {
  decodeWsPacket,
  encodeWsPacket,
  encodeWsPacketPrefix,
  MAX_WS_CREDIT,
  MAX_WS_FPS,
  MAX_WS_HEADER_BYTES,
  MAX_WS_SUBSCRIPTIONS,
  parseWsServerMessage,
  WS_KIND_AUDIO,
  WS_KIND_VIDEO,
  WS_PACKET_VERSION,
  WS_PROTOCOL,
} from './ws/protocol.js';
