export { COLON, CR, DASH, decodeLatin1, encodeAscii, escapeBytes, LF, SPACE, TAB } from './ascii.js';
export type { LimitedReconnectOptions, ReconnectOptions } from './backoff.js';
export { backoffDelayMs, DEFAULT_MAX_DELAY_MS, DEFAULT_MIN_DELAY_MS } from './backoff.js';
export { bytesEqual, concatBytes } from './concat.js';
export { ByteStreamError, type ByteStreamErrorOptions } from './errors.js';
export type {
  ConnectionState,
  LifecycleOptions,
  MediaPacket,
  MediaType,
  PacketSource,
  StatusEvent,
} from './media.js';
export { formatTimestamp, nowMs, parseTimestamp } from './media.js';
export {
  checkNumberOption,
  describeInvalidChoice,
  describeInvalidNumber,
  type NumberOptionRange,
} from './option-checks.js';
export { PartHeaders } from './part-headers.js';
export {
  decodeMulaw,
  decodeMulawFloat32,
  decodeMulawSample,
  encodeMulaw,
  encodeMulawSample,
  mixToMono,
  readL16,
  readL16Float32,
  writeL16,
} from './pcm.js';
export type { PacketBodyForm, PacketOf, PiecesMediaPacket } from './pieces-packet.js';
export { contiguousBody } from './pieces-packet.js';
export { RateMeter } from './rate-meter.js';
export type { ByteSource, ReadChunksOptions } from './read-chunks.js';
export { isReadableStream, readChunks } from './read-chunks.js';
export {
  getSearchPath,
  hasBytesAt,
  indexOfByte,
  indexOfByteNotFollowedBy,
  indexOfBytes,
  indexOfBytesByFirstByte,
  partialMatchLength,
  setNativeSearch,
} from './search.js';
export { sleep, sleepUntil } from './timing.js';
export { untilAborted } from './until-aborted.js';
