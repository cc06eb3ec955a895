export { concatBytes, bytesEqual } from './concat.js';
export { CR, LF, DASH, SPACE, TAB, COLON, encodeAscii, decodeLatin1, escapeBytes } from './ascii.js';
export {
  indexOfByte,
  indexOfBytes,
  partialMatchLength,
  hasBytesAt,
  getSearchPath,
  setNativeSearch,
} from './search.js';
export { PartHeaders } from './part-headers.js';
export type { MediaType, MediaPacket, ConnectionState, StatusEvent, LifecycleOptions } from './media.js';
export { nowMs, formatTimestamp, parseTimestamp } from './media.js';
