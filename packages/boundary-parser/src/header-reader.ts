import { CR, decodeLatin1, indexOfByte, LF } from '@mjpeg-kit/bytes';
import { MultipartError } from './errors.js';

/**
 * Reads one part's header block across chunks, through the LF of its blank line, under
 * `maxHeaderBytes` and `maxHeaderLines`. Jumps from LF to LF; only a block spanning chunks
 * is copied (into a scratch buffer that never outgrows `maxHeaderBytes`), and the block is
 * decoded once, as Latin-1, for `parseHeaderBlock`.
 */
export class HeaderReader {
  /** Stream offset of the block's first byte. */
  start = 0;
  /** The decoded block, set when {@link read} finds the blank line. */
  text = '';

  readonly #maxHeaderBytes: number;
  readonly #maxHeaderLines: number;
  #lines = 0;
  /** Bytes of the current header line seen in earlier chunks. */
  #lineLength = 0;
  /** Whether the current line so far is exactly CR. */
  #lineIsCr = false;
  #scratch: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #scratchLength = 0;

  constructor(maxHeaderBytes: number, maxHeaderLines: number) {
    this.#maxHeaderBytes = maxHeaderBytes;
    this.#maxHeaderLines = maxHeaderLines;
  }

  /** Bytes of the block kept from earlier chunks. */
  get bufferedBytes(): number {
    return this.#scratchLength;
  }

  /** Starts a block at stream offset `start`. */
  reset(start: number): void {
    this.start = start;
    this.#lines = 0;
    this.#lineLength = 0;
    this.#lineIsCr = false;
    this.#scratchLength = 0;
  }

  /**
   * Reads the block from `chunk[index..]`; `offset` is the stream offset of `chunk[0]`.
   *
   * @returns The index right after the blank line ({@link text} set), or -1 when the chunk
   *   ended inside the block.
   * @throws {MultipartError} `HEADER_TOO_LARGE` (offset: block start + maxHeaderBytes) or
   *   `TOO_MANY_HEADERS` (offset: start of the first line over maxHeaderLines).
   */
  read(chunk: Uint8Array, offset: number, index: number): number {
    const length = chunk.length;
    const maxEnd = this.start + this.#maxHeaderBytes; // stream offset the block may reach
    let lineStart = index;
    for (;;) {
      const lineFeed = indexOfByte(chunk, LF, lineStart);
      if (lineFeed === -1 || offset + lineFeed >= maxEnd) {
        if (offset + length > maxEnd) {
          throw new MultipartError(
            'HEADER_TOO_LARGE',
            `part header exceeds maxHeaderBytes (${this.#maxHeaderBytes})`,
            maxEnd,
          );
        }
        const rest = length - lineStart;
        this.#lineIsCr =
          this.#lineLength + rest === 1 && (rest === 0 ? this.#lineIsCr : chunk[lineStart] === CR);
        this.#lineLength += rest;
        this.#keep(chunk, index, length);
        return -1;
      }
      const inChunk = lineFeed - lineStart;
      const lineLength = this.#lineLength + inChunk;
      const blank =
        lineLength === 0 || (lineLength === 1 && (inChunk === 1 ? chunk[lineStart] === CR : this.#lineIsCr));
      if (blank) {
        const blockEnd = lineFeed + 1;
        if (this.#scratchLength === 0) {
          this.text = decodeLatin1(chunk, index, blockEnd);
        } else {
          this.#keep(chunk, index, blockEnd);
          this.text = decodeLatin1(this.#scratch, 0, this.#scratchLength);
          this.#scratchLength = 0;
        }
        return blockEnd;
      }
      if (++this.#lines > this.#maxHeaderLines) {
        throw new MultipartError(
          'TOO_MANY_HEADERS',
          `part has more than maxHeaderLines (${this.#maxHeaderLines}) header lines`,
          offset + lineFeed - lineLength,
        );
      }
      this.#lineLength = 0;
      this.#lineIsCr = false;
      lineStart = lineFeed + 1;
    }
  }

  /** Drops the scratch buffer (after an error or the end). */
  release(): void {
    this.#scratch = new Uint8Array(0);
    this.#scratchLength = 0;
  }

  /** Copies header bytes that span chunks into the scratch buffer (bounded by maxHeaderBytes). */
  #keep(chunk: Uint8Array, from: number, to: number): void {
    const needed = this.#scratchLength + (to - from);
    if (needed > this.#scratch.length) {
      const grown = new Uint8Array(
        Math.min(Math.max(needed, this.#scratch.length * 2, 256), this.#maxHeaderBytes),
      );
      grown.set(this.#scratch.subarray(0, this.#scratchLength));
      this.#scratch = grown;
    }
    this.#scratch.set(chunk.subarray(from, to), this.#scratchLength);
    this.#scratchLength = needed;
  }
}
