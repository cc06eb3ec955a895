export type { ChunkedErrorCode } from './errors.js';
export { ChunkedError } from './errors.js';
export type { ChunkedReaderOptions } from './reader.js';
export {
  ChunkedReader,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_EXT_BYTES,
  DEFAULT_MAX_TRAILER_BYTES,
} from './reader.js';
export { encodeChunk, encodeChunkSizeLine, encodeLastChunk, LAST_CHUNK } from './writer.js';
