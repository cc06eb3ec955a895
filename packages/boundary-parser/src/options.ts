import { describeInvalidChoice, describeInvalidNumber } from '@mjpeg-kit/bytes';
import { MultipartError } from './errors.js';

/** Default `maxHeaderBytes`: 16 KiB per part header block. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
/** Default `maxPartBytes`: 32 MiB per body. */
export const DEFAULT_MAX_PART_BYTES = 32 * 1024 * 1024;
/** Default `maxHeaderLines`: 100 header lines per part. */
export const DEFAULT_MAX_HEADER_LINES = 100;
/** Default `maxPreambleBytes`: 64 KiB before the first delimiter. */
export const DEFAULT_MAX_PREAMBLE_BYTES = 64 * 1024;
/** Default `maxEpilogueBytes`: 64 KiB after a close delimiter. */
export const DEFAULT_MAX_EPILOGUE_BYTES = 64 * 1024;

/**
 * How a part's body comes back:
 * - `'contiguous'` (the default): one `Uint8Array` in `part.body`: a view of the written chunk
 *   when the body lies inside one, else a copy into one exactly sized buffer.
 * - `'pieces'`: `part.pieces`, the body as `Uint8Array` views of the written chunks, in order,
 *   never copied (one view when the body lies inside one chunk), and `part.bodyLength`. For
 *   consumers that take pieces: `new Blob(part.pieces)`, a socket or file write per piece.
 */
export type BodyForm = 'contiguous' | 'pieces';

/**
 * Options of {@link MultipartParser}: limits, each checked before bytes are kept, and the form
 * bodies come back in (`F`, inferred from `bodies`, types the parts).
 */
export interface MultipartParserOptions<F extends BodyForm = 'contiguous'> {
  /**
   * `'pieces'` for bodies as views of the written chunks, never copied (`part.pieces`); the
   * default `'contiguous'` gives one `Uint8Array` (`part.body`). See {@link BodyForm}.
   */
  bodies?: F;
  /** Largest header block per part, in bytes (default 16 KiB). Error `HEADER_TOO_LARGE`. */
  maxHeaderBytes?: number;
  /** Largest body, declared or found, in bytes (default 32 MiB). Error `PART_TOO_LARGE`. */
  maxPartBytes?: number;
  /** Most header lines per part (default 100). Error `TOO_MANY_HEADERS`. */
  maxHeaderLines?: number;
  /** Most bytes before the first delimiter (default 64 KiB). Error `PREAMBLE_TOO_LARGE`. */
  maxPreambleBytes?: number;
  /** Most bytes after a close delimiter (default 64 KiB). Error `EPILOGUE_TOO_LARGE`. */
  maxEpilogueBytes?: number;
}

/** The limits in force. */
export type MultipartLimits = Required<Omit<MultipartParserOptions, 'bodies'>>;

/**
 * The limits in force: each option as given (rounded down) or its default.
 *
 * @throws MultipartError `INVALID_OPTION` when a limit is negative, `NaN` or infinite.
 */
export function readLimits(options: MultipartParserOptions<BodyForm>): MultipartLimits {
  return {
    maxHeaderBytes: readLimit(options.maxHeaderBytes, DEFAULT_MAX_HEADER_BYTES, 'maxHeaderBytes'),
    maxPartBytes: readLimit(options.maxPartBytes, DEFAULT_MAX_PART_BYTES, 'maxPartBytes'),
    maxHeaderLines: readLimit(options.maxHeaderLines, DEFAULT_MAX_HEADER_LINES, 'maxHeaderLines'),
    maxPreambleBytes: readLimit(options.maxPreambleBytes, DEFAULT_MAX_PREAMBLE_BYTES, 'maxPreambleBytes'),
    maxEpilogueBytes: readLimit(options.maxEpilogueBytes, DEFAULT_MAX_EPILOGUE_BYTES, 'maxEpilogueBytes'),
  };
}

function readLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const problem = describeInvalidNumber(value, { min: 0 });
  if (problem !== undefined) throw invalidOption(name, problem);
  return Math.floor(value);
}

/**
 * Whether bodies come back as pieces.
 *
 * @throws MultipartError `INVALID_OPTION` when `bodies` is neither `'contiguous'` nor `'pieces'`.
 */
export function readBodyForm(options: MultipartParserOptions<BodyForm>): boolean {
  const bodies = options.bodies ?? 'contiguous';
  const problem = describeInvalidChoice(bodies, ['contiguous', 'pieces']);
  if (problem !== undefined) throw invalidOption('bodies', problem);
  return bodies === 'pieces';
}

function invalidOption(name: string, problem: string): MultipartError {
  return new MultipartError('INVALID_OPTION', `${name} ${problem}`, undefined, { option: name });
}
