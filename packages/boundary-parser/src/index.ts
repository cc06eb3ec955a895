export { getBoundary, MAX_BOUNDARY_LENGTH } from './content-type.js';
export { MultipartError, type MultipartErrorCode } from './errors.js';
export {
  type BodyForm,
  DEFAULT_MAX_EPILOGUE_BYTES,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_HEADER_LINES,
  DEFAULT_MAX_PART_BYTES,
  DEFAULT_MAX_PREAMBLE_BYTES,
  type MultipartParserOptions,
} from './options.js';
export { type ParseMultipartOptions, parseMultipart } from './parse-multipart.js';
export { MultipartParser, type Part, type PartOf, type PiecesPart } from './parser.js';
export type { MultipartStats } from './stats.js';
