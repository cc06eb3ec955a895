// The µ-law codec lives in @mjpeg-kit/bytes; re-exported so existing imports keep working.
export { decodeMulaw, decodeMulawSample, encodeMulaw, encodeMulawSample } from '@mjpeg-kit/bytes';
export type { BasicCredentials } from './access.js';
export { createWavHeader, RateConverter, WAV_HEADER_BYTES } from './audio.js';
export type { Camera, CameraLink, CameraLinkState } from './cameras.js';
export { CAMERA_NAME_PATTERN, CameraRegistry, cameraState, DEFAULT_CAMERA_NAME } from './cameras.js';
export type { CameraSummary } from './cams-route.js';
export type { ServerErrorCode, ServerErrorOptions } from './errors.js';
export { ServerError } from './errors.js';
export type { MjpegHandler } from './handler.js';
export { createMjpegHandler } from './handler.js';
export type {
  HandlerLogEvent,
  MjpegHandlerOptions,
  RefusalReason,
  WsConnectionEvent,
} from './handler-options.js';
export {
  DEFAULT_AUDIO_TIMEOUT_MS,
  DEFAULT_SNAPSHOT_MAX_DELAY_MS,
  DEFAULT_SNAPSHOT_TIMEOUT_MS,
  SERVER_NAME,
} from './handler-options.js';
export type {
  AudioFormat,
  HubState,
  MjpegHubOptions,
  MjpegHubStats,
  PacketListener,
  SourceState,
  TransportViewer,
  ViewerEvent,
} from './hub.js';
export {
  DEFAULT_AUDIO_BUFFER_MS,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_MAX_VIEWERS,
  DEFAULT_REPEAT_STILL_MS,
  DEFAULT_STALL_TIMEOUT_MS,
  MjpegHub,
} from './hub.js';
export type { ServerMetrics } from './metrics.js';
export { createServerMetrics, METRICS_PREFIX } from './metrics.js';
export { MAX_OPTION_MS } from './option-checks.js';
export { MAX_FPS, MAX_SNAPSHOT_DELAY_MS } from './query.js';
export type {
  OpenSource,
  RunSourceOptions,
  SourceHealth,
  SourceLifecycle,
  SourceLogEvent,
  SourceRun,
  SourceRunState,
} from './run-source.js';
export {
  DEFAULT_SOURCE_STOP_TIMEOUT_MS,
  runSource,
  SourceEndedError,
  STOPPED_WHILE_IDLE,
  WAITING_FOR_VIEWER,
} from './run-source.js';
export type { ShutdownOptions } from './shutdown.js';
export { DEFAULT_SHUTDOWN_TIMEOUT_MS, shutdownGracefully } from './shutdown.js';
export type { LeaveReason, Viewer, ViewerKind, ViewerOptions } from './viewer.js';
export { formatViewerEvent, formatWsEvent } from './viewer-log.js';
export type { WsErrorCode } from './ws-messages.js';
export {
  MAX_WS_CREDIT,
  MAX_WS_FPS,
  MAX_WS_MESSAGE_BYTES,
  MAX_WS_SUBSCRIPTIONS,
  WS_PROTOCOL,
} from './ws-messages.js';
export type { WsSessionSummary } from './ws-session.js';
export { WS_MAX_BUFFERED_BYTES, WS_PING_INTERVAL_MS, WS_PONG_TIMEOUT_MS } from './ws-session.js';
