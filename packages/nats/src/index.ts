export type { NatsConnectionOptions } from './connection.js';
export { NatsError, type NatsErrorCode } from './errors.js';
export {
  DEFAULT_MAX_BUFFERED_BYTES,
  type NatsPublisher,
  type PacketPublisher,
  type PublishToNatsOptions,
  publishToNats,
} from './publish.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_PENDING_FRAMES,
  DEFAULT_ORIGIN_TIMEOUT_MS,
  type NatsSourceOptions,
  natsSource,
} from './source.js';
export type { NatsLinkStats } from './stats.js';
export { isValidSubject, type ParsedNatsUrl, parseNatsUrl, redactNatsUrl } from './url.js';
export { HEADER_ROOM, MAX_PIECES } from './wire.js';
