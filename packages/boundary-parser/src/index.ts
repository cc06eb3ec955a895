export { getBoundary, MAX_BOUNDARY_LENGTH } from './content-type.js';
export { MultipartError, type MultipartErrorCode } from './errors.js';
export { type ParseMultipartOptions, parseMultipart } from './parse-multipart.js';
export {
  DEFAULT_MAX_EPILOGUE_BYTES,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_HEADER_LINES,
  DEFAULT_MAX_PART_BYTES,
  DEFAULT_MAX_PREAMBLE_BYTES,
  MultipartParser,
  type MultipartParserOptions,
  type MultipartStats,
  type Part,
} from './parser.js';
