export { BOUNDARY_LENGTH, createBoundary, formatBoundaryParameter } from './boundary.js';
export type { EncodePartOptions, MultipartEncoderOptions, PartFields } from './encoder.js';
export { getPacketContentType, MultipartEncoder } from './encoder.js';
export type { EncoderErrorCode, EncoderErrorOptions } from './errors.js';
export { EncoderError } from './errors.js';
