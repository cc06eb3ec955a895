import {
  concatBytes,
  describeInvalidChoice,
  describeInvalidNumber,
  indexOfByte,
  indexOfByteNotFollowedBy,
} from '@mjpeg-kit/bytes';
import { JpegError } from './errors.js';
import {
  APP0,
  EOI,
  hasSegmentLength,
  isFrameHeaderMarker,
  isRestartMarker,
  MARKER_PREFIX,
  RST0,
  RST7,
  SOI,
  SOS,
  STUFFED_ZERO,
  TEM,
} from './markers.js';

/** Default `maxFrameBytes`: 32 MiB, far above any camera frame (a 4K JPEG is a few MB). */
export const DEFAULT_MAX_FRAME_BYTES = 32 * 1024 * 1024;

/**
 * How a frame comes back:
 * - `'contiguous'` (the default): one `Uint8Array`, a view of the pushed chunk when the frame
 *   lies inside one, else a copy into one exactly sized buffer.
 * - `'pieces'`: a `Uint8Array[]` of views of the pushed chunks, in order, never copied (one
 *   view when the frame lies inside one chunk). For consumers that take pieces:
 *   `new Blob(frame)`, a socket or file write per piece.
 */
export type FrameForm = 'contiguous' | 'pieces';

/** A frame in the form `F`: `Uint8Array[]` pieces for `'pieces'`, else one `Uint8Array`. */
export type FrameOf<F extends FrameForm> = F extends 'pieces' ? Uint8Array[] : Uint8Array;

/**
 * Options for `JpegScanner` and `scanJpegFrames`. `F`, inferred from `frames`, types what
 * comes back.
 */
export interface JpegScannerOptions<F extends FrameForm = 'contiguous'> {
  /**
   * `'pieces'` for each frame as views of the pushed chunks, never copied (`Uint8Array[]`);
   * the default `'contiguous'` gives one `Uint8Array` per frame. See `FrameForm`.
   */
  frames?: F;
  /**
   * Largest frame kept, in bytes (SOI to EOI inclusive). A frame that grows past it is dropped
   * and counted; memory stays under this plus one chunk. Default `DEFAULT_MAX_FRAME_BYTES`.
   */
  maxFrameBytes?: number;
  /**
   * What to do with a frame whose entropy-coded data runs straight into the next SOI with no
   * EOI (some cameras cut frames that way). `false` (default): drop it and count it in
   * `droppedFrames`, so only whole frames come out. `true`: emit it with `FF D9` appended (a
   * copy) and count it in `repairedFrames`; decoders usually show such a frame whole or with
   * its last rows grey.
   */
  repairMissingEoi?: boolean;
}

/** Live counters of a `JpegScanner` (the same object, updated in place). */
export interface JpegScannerStats {
  /** Frames returned (repaired ones included). */
  frames: number;
  /** Bytes outside any frame: before an SOI, between frames, after a dropped frame. */
  skippedBytes: number;
  /** Frames started but not returned: broken, over `maxFrameBytes`, without a scan, or unfinished at `end()`. */
  droppedFrames: number;
  /** Bytes of dropped frames (a dropped frame's bytes that were scanned again are not counted here). */
  droppedBytes: number;
  /** Frames returned with an `FF D9` appended (`repairMissingEoi`). */
  repairedFrames: number;
}

// Parser states: small integers, which V8 stores unboxed and compares cheaply in the hot loop.
/** Outside a frame, looking for FF D8. */
const SEEK = 0;
/** Outside a frame; the previous buffer ended with an FF that may begin an SOI. */
const SEEK_FF = 1;
/** In the headers: a marker's FF is expected next. */
const MARKER = 2;
/** In the headers: after an FF (or a run of fill FFs), the marker code is next. */
const MARKER_CODE = 3;
/** First byte of a segment length. */
const LENGTH_HI = 4;
/** Second byte of a segment length. */
const LENGTH_LO = 5;
/** Skipping a segment's payload by its length, without reading it. */
const SKIP = 6;
/** Entropy-coded data after SOS: only FF matters. */
const ENTROPY = 7;
/** Entropy-coded data; the previous byte was an FF (maybe in the previous buffer). */
const ENTROPY_FF = 8;

const EMPTY = new Uint8Array(0);
/** A frame as `push` builds it: one buffer, or pieces. */
type Frame = Uint8Array | Uint8Array[];
const EOI_BYTES = new Uint8Array([MARKER_PREFIX, EOI]);
/**
 * Codes that may follow an FF inside entropy-coded data without ending it: FF 00 stuffing
 * (T.81 B.1.1.5) and RST0–7. A table, so the hot loop in `indexOfByteNotFollowedBy` (one
 * native search per FF, ~every 250 bytes) needs one load per FF.
 */
const ENTROPY_FOLLOWERS = new Uint8Array(256);
ENTROPY_FOLLOWERS[STUFFED_ZERO] = 1;
ENTROPY_FOLLOWERS.fill(1, RST0, RST7 + 1);

/** An SOI and the FF of the marker after it: what a table segment's payload never holds. */
const SOI_PATTERN = [MARKER_PREFIX, SOI, MARKER_PREFIX] as const;

/**
 * Cuts whole JPEG frames (SOI…EOI) out of a raw byte stream split anywhere, with a real
 * marker state machine (ITU-T T.81 Annex B): segments before each scan are skipped by their
 * length, so an EXIF thumbnail's own FF D8…FF D9 or a comment holding FF D9 never ends a
 * frame; entropy-coded data is crossed with a native search for FF, honouring FF 00
 * stuffing, RST0–7 and fill bytes; progressive frames with tables between scans are
 * followed to their EOI.
 *
 * It never throws on input. Bytes before an SOI are skipped and counted; a frame that breaks
 * (an impossible marker, a segment length that does not land on a marker, a table segment
 * holding FF D8 FF, a second SOI before EOI, a frame over `maxFrameBytes`, an EOI before any
 * scan) is dropped and counted, and scanning resumes at the next SOI, looking again inside
 * the broken segment in case its length ran past the start of the next frame.
 *
 * Memory: a frame inside one chunk comes back as a `subarray` view of that chunk (shared
 * memory); a frame spanning chunks is copied once into an exactly sized buffer. With
 * `{ frames: 'pieces' }` nothing is copied: each frame is a `Uint8Array[]` of views of the
 * chunks, valid as long as those chunks are not reused or modified. Until a frame is done
 * the scanner keeps views of the chunks it was given, so do not reuse a buffer after
 * passing it to `push`.
 *
 * @example
 * ```ts
 * const scanner = new JpegScanner();
 * for await (const chunk of serialPort) {
 *   for (const frame of scanner.push(chunk)) show(frame);
 * }
 * for (const frame of scanner.end()) show(frame); // usually none
 * console.log(scanner.stats); // { frames, skippedBytes, droppedFrames, droppedBytes, repairedFrames }
 * ```
 */
export class JpegScanner<F extends FrameForm = 'contiguous'> {
  /** Live counters, updated in place. */
  readonly stats: JpegScannerStats = {
    frames: 0,
    skippedBytes: 0,
    droppedFrames: 0,
    droppedBytes: 0,
    repairedFrames: 0,
  };

  private readonly maxFrameBytes: number;
  private readonly repairMissingEoi: boolean;
  /** Whether frames come back as pieces (views, no copy) rather than one `Uint8Array`. */
  private readonly asPieces: boolean;

  private state = SEEK;
  /** Views of earlier buffers holding the current frame's first bytes (or a pending FF in SEEK_FF). */
  private pieces: Uint8Array[] = [];
  /** Total length of `pieces`. */
  private piecesBytes = 0;
  /** Code of the marker whose segment is being read. */
  private marker = 0;
  /** High byte of a segment length split across buffers. */
  private lengthHi = 0;
  /** Payload bytes of the current segment still to skip. */
  private remaining = 0;
  /** Whether the current frame has had an SOS (frames without a scan are not images). */
  private hasScan = false;
  /**
   * Frame offset where a search for the next SOI starts again if the frame breaks in its
   * headers: the length bytes of the last segment, the one whose length may be wrong.
   */
  private rescanFrom = 0;
  /** Whether the current segment's payload is checked for an SOI (tables and headers, not APPn/COM). */
  private checkPayload = false;
  /** Bytes of `SOI_PATTERN` matched at the end of the payload seen so far. */
  private soiMatched = 0;
  /** Whether the current frame began in bytes scanned again (its own breakage rescans nothing). */
  private fromReplay = false;
  /** Bytes to scan again after a broken segment, before the rest of the current buffer. */
  private replay: Uint8Array[] | undefined;

  /**
   * @param options limits, the missing-EOI policy and the frame form; see `JpegScannerOptions`.
   * @throws JpegError `INVALID_OPTION` when `maxFrameBytes` is not a finite number of at least 4
   *   or `frames` is not a known form.
   */
  constructor(options: JpegScannerOptions<F> = {}) {
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const sizeProblem = describeInvalidNumber(maxFrameBytes, { min: 4 });
    if (sizeProblem !== undefined) throw invalidOption('maxFrameBytes', sizeProblem);
    this.maxFrameBytes = maxFrameBytes;
    this.repairMissingEoi = options.repairMissingEoi ?? false;
    const form = options.frames ?? 'contiguous';
    const formProblem = describeInvalidChoice(form, ['contiguous', 'pieces']);
    if (formProblem !== undefined) throw invalidOption('frames', formProblem);
    this.asPieces = form === 'pieces';
  }

  /** Bytes held for an unfinished frame (views of earlier chunks); at most `maxFrameBytes`. */
  get bufferedBytes(): number {
    return this.piecesBytes;
  }

  /**
   * Scans the next chunk and returns the frames it completed, in order (often none, sometimes
   * several). A frame inside `chunk` is a view of it; one spanning chunks is a fresh copy (as
   * pieces: views of each chunk).
   */
  push(chunk: Uint8Array): FrameOf<F>[] {
    const frames: Frame[] = [];
    if (chunk.length === 0) return frames as FrameOf<F>[];
    const stop = this.scan(chunk, 0, frames, false);
    if (stop >= 0) this.rescan(chunk, stop, frames);
    return frames as FrameOf<F>[];
  }

  /**
   * A broken segment may hide the next SOI: its bytes are scanned again, then `chunk` goes on
   * at `stop`. A work stack rather than recursion, so nested broken frames cannot overflow
   * the call stack.
   */
  private rescan(chunk: Uint8Array, stop: number, frames: Frame[]): void {
    const work: Uint8Array[] = [chunk];
    const starts: number[] = [stop];
    this.pushReplay(work, starts);
    while (work.length > 0) {
      const buffer = work.pop() as Uint8Array;
      const replaying = work.length > 0; // only the bottom item is the caller's chunk
      const resume = this.scan(buffer, starts.pop() as number, frames, replaying);
      if (resume >= 0) {
        work.push(buffer);
        starts.push(resume);
        this.pushReplay(work, starts);
      }
    }
  }

  /** Puts the bytes to scan again on the work stack, first on top. They are views: no copy. */
  private pushReplay(work: Uint8Array[], starts: number[]): void {
    const replay = this.replay as Uint8Array[];
    this.replay = undefined;
    for (let i = replay.length - 1; i >= 0; i--) {
      work.push(replay[i] as Uint8Array);
      starts.push(0);
    }
  }

  /**
   * Ends the stream: an unfinished frame is dropped and counted (never thrown), and the
   * scanner is ready for a new stream with its counters kept. Returns the whole frames found
   * when the dropped frame's last segment is searched again (its length may have run past
   * them); usually none.
   */
  end(): FrameOf<F>[] {
    const frames: Frame[] = [];
    if (this.state === SEEK_FF) {
      this.stats.skippedBytes += this.piecesBytes;
    } else if (this.state !== SEEK) {
      // A segment length may have run past whole frames: look for them before giving up.
      this.fail(EMPTY, 0, 0, this.rescanFrom);
      if (this.replay !== undefined) this.rescan(EMPTY, 0, frames);
      if (this.state !== SEEK) return frames.concat(this.end()) as FrameOf<F>[];
    }
    this.resetFrame();
    return frames as FrameOf<F>[];
  }

  private resetFrame(): void {
    this.state = SEEK;
    this.pieces = [];
    this.piecesBytes = 0;
    this.hasScan = false;
  }

  /** A frame begins: its SOI is behind `position`. */
  private beginFrame(replaying: boolean): void {
    this.hasScan = false;
    this.soiMatched = 0;
    this.fromReplay = replaying;
    this.rescanFrom = 2;
  }

  /**
   * Scans `buffer` from `start` (`replaying`: these are bytes of a broken frame scanned
   * again). Returns -1 when the buffer is used up, or the position to resume at after
   * `this.replay` has been scanned.
   */
  private scan(buffer: Uint8Array, start: number, frames: Frame[], replaying: boolean): number {
    const length = buffer.length;
    const stats = this.stats;
    let state = this.state;
    let position = start;
    /** Where the current frame's bytes begin in `buffer` (earlier ones are in `pieces`). */
    let frameStart = start;
    /** Frame offset to search for an SOI again from when the frame breaks. */
    let rescanFrom = -1;

    if (state === SEEK_FF && position < length) {
      if (buffer[position] === SOI) {
        // The held FF and this D8 make an SOI across the buffer boundary.
        position++;
        this.beginFrame(this.fromReplay);
        state = MARKER;
      } else {
        stats.skippedBytes += this.piecesBytes;
        this.pieces = [];
        this.piecesBytes = 0;
        state = SEEK;
      }
    }

    while (position < length) {
      switch (state) {
        case SEEK: {
          const at = indexOfByte(buffer, MARKER_PREFIX, position);
          if (at === -1) {
            stats.skippedBytes += length - position;
            position = length;
          } else if (at + 1 === length) {
            stats.skippedBytes += at - position;
            this.pieces = [buffer.subarray(at)];
            this.piecesBytes = 1;
            this.fromReplay = replaying;
            position = length;
            state = SEEK_FF;
          } else if (buffer[at + 1] === SOI) {
            stats.skippedBytes += at - position;
            frameStart = at;
            position = at + 2;
            this.beginFrame(replaying);
            state = MARKER;
          } else {
            stats.skippedBytes += at + 1 - position;
            position = at + 1;
          }
          break;
        }

        case MARKER: {
          if (buffer[position] === MARKER_PREFIX && this.soiMatched !== 2) {
            position++;
            state = MARKER_CODE;
          } else {
            // Not a marker where one must be, or FF D8 | FF across the end of a table
            // segment: the last segment's length was wrong. (A frame found while
            // rescanning looks again only from that FF D8.)
            rescanFrom =
              this.soiMatched === 2 && this.fromReplay
                ? this.piecesBytes + position - frameStart - 2
                : this.rescanFrom;
          }
          break;
        }

        case MARKER_CODE: {
          const code = buffer[position] as number;
          if (code === MARKER_PREFIX) {
            position++; // fill byte (T.81 B.1.1.2)
          } else if (hasSegmentLength(code) && !(this.hasScan && isFrameHeaderMarker(code))) {
            this.startSegment(code, this.piecesBytes + position + 1 - frameStart);
            position++;
            state = LENGTH_HI;
          } else if (code === EOI) {
            position++;
            this.finish(buffer, frameStart, position, frames);
            state = SEEK;
          } else if (code === TEM) {
            position++;
            this.soiMatched = 0;
            state = MARKER;
          } else if (code === SOI) {
            // A second SOI: this frame lost its tail; the new one starts at the FF.
            rescanFrom = this.piecesBytes + position - frameStart - 1;
          } else {
            // 0x00, reserved 0x02..0xBF, RSTn outside a scan, a second frame header.
            rescanFrom = this.rescanFrom;
          }
          break;
        }

        case LENGTH_HI: {
          if (position + 1 < length) {
            const segmentLength = ((buffer[position] as number) << 8) | (buffer[position + 1] as number);
            if (this.isBadLength(segmentLength)) {
              rescanFrom = this.rescanFrom;
              break;
            }
            position += 2;
            this.remaining = segmentLength - 2;
            state = SKIP;
          } else {
            this.lengthHi = buffer[position] as number;
            position++;
            state = LENGTH_LO;
          }
          break;
        }

        case LENGTH_LO: {
          const segmentLength = (this.lengthHi << 8) | (buffer[position] as number);
          if (this.isBadLength(segmentLength)) {
            rescanFrom = this.rescanFrom;
            break;
          }
          position++;
          this.remaining = segmentLength - 2;
          state = SKIP;
          break;
        }

        case SKIP: {
          const available = length - position;
          if (this.checkPayload) {
            const end = this.findSoiInPayload(
              buffer,
              position,
              position + Math.min(available, this.remaining),
            );
            if (end !== -1) {
              // A table or header segment never holds FF D8 FF: its length ran past the next
              // frame's SOI, which is where the search starts again.
              // (The SOI may also sit in the length bytes: a live frame rescans from them.)
              position = end;
              rescanFrom = this.fromReplay
                ? this.piecesBytes + end - frameStart - SOI_PATTERN.length
                : this.rescanFrom;
              break;
            }
          }
          if (this.remaining > available) {
            this.remaining -= available;
            position = length;
            break;
          }
          position += this.remaining;
          this.remaining = 0;
          if (this.marker === SOS) {
            this.hasScan = true;
            state = ENTROPY;
          } else {
            state = MARKER;
          }
          break;
        }

        case ENTROPY: {
          const at = indexOfByteNotFollowedBy(buffer, MARKER_PREFIX, ENTROPY_FOLLOWERS, position);
          if (at === -1) {
            position = length;
          } else {
            // `at` is an FF that is neither stuffing nor RSTn (its code may be in the next buffer).
            position = at + 1;
            state = ENTROPY_FF;
          }
          break;
        }

        case ENTROPY_FF: {
          // `position` is the byte after an FF inside or right after entropy-coded data.
          const code = buffer[position] as number;
          if (code === STUFFED_ZERO || isRestartMarker(code)) {
            position++;
            state = ENTROPY;
          } else if (code === MARKER_PREFIX) {
            position++; // fill byte before a marker
          } else if (code === EOI) {
            position++;
            this.finish(buffer, frameStart, position, frames);
            state = SEEK;
          } else if (hasSegmentLength(code) && !isFrameHeaderMarker(code)) {
            // A marker between scans (DHT, SOS, DQT, DRI, COM, DNL… in progressive frames).
            this.startSegment(code, this.piecesBytes + position + 1 - frameStart);
            position++;
            state = LENGTH_HI;
          } else if (code === TEM) {
            position++;
            this.soiMatched = 0;
            state = MARKER;
          } else if (code === SOI) {
            // No EOI before the next SOI (a cut frame, or a camera that omits EOI).
            rescanFrom = this.piecesBytes + position - frameStart - 1;
            if (this.repairMissingEoi) this.repair(buffer, frameStart, rescanFrom, frames);
          } else {
            rescanFrom = this.rescanFrom;
          }
          break;
        }
      }

      if (rescanFrom >= 0) {
        // The frame broke at `position`: drop it and look for an SOI again from `rescanFrom`.
        this.fail(buffer, frameStart, position, rescanFrom);
        rescanFrom = -1;
        state = SEEK;
        if (this.replay !== undefined) return this.save(state, position);
      }
    }

    if (state !== SEEK && state !== SEEK_FF && length > frameStart) {
      this.pieces.push(frameStart === 0 ? buffer : buffer.subarray(frameStart));
      this.piecesBytes += length - frameStart;
      if (this.piecesBytes > this.maxFrameBytes) {
        stats.droppedFrames++;
        stats.droppedBytes += this.piecesBytes;
        this.resetFrame();
        state = SEEK;
      }
    }
    this.state = state;
    return -1;
  }

  /**
   * A marker with a length begins; `lengthOffset` is the frame offset of its length bytes.
   * Until the first scan each segment is where a rescan would start, since its length is
   * checked by the marker that must follow it; once scanning, the last SOS is, because the
   * entropy-coded data after it cannot be checked that way.
   */
  private startSegment(code: number, lengthOffset: number): void {
    this.marker = code;
    // APPn, JPGn and COM may carry anything, EXIF thumbnails included; the others are checked.
    this.checkPayload = code < APP0;
    this.soiMatched = 0;
    if (!this.hasScan || code === SOS) this.rescanFrom = lengthOffset;
  }

  /**
   * Looks in `buffer[from..to)`, continuing the payload seen so far, for FF D8 FF (an SOI
   * and the marker after it); returns the index just past it, or -1. A match split across
   * buffers is carried in `soiMatched`.
   */
  private findSoiInPayload(buffer: Uint8Array, from: number, to: number): number {
    let position = from;
    let matched = this.soiMatched;
    while (matched > 0 && position < to) {
      if (buffer[position] !== SOI_PATTERN[matched]) {
        matched = 0;
        break;
      }
      position++;
      if (++matched === SOI_PATTERN.length) return position;
    }
    if (matched === 0) {
      for (;;) {
        const at = indexOfByte(buffer, MARKER_PREFIX, position);
        if (at === -1 || at >= to) break;
        if (at + 1 === to) {
          matched = 1;
          break;
        }
        if (buffer[at + 1] !== SOI) {
          position = at + 1;
          continue;
        }
        if (at + 2 === to) {
          matched = 2;
          break;
        }
        if (buffer[at + 2] === MARKER_PREFIX) return at + 3;
        position = at + 2;
      }
    }
    this.soiMatched = matched;
    return -1;
  }

  /** A length under 2, or an SOS header that is not 6 + 2 × Ns bytes for 1..4 components (T.81 B.2.3). */
  private isBadLength(segmentLength: number): boolean {
    if (this.marker === SOS) return segmentLength < 8 || segmentLength > 14 || (segmentLength & 1) === 1;
    return segmentLength < 2;
  }

  private save(state: number, position: number): number {
    this.state = state;
    return position;
  }

  /** Frame bytes between frame offsets `from` and `to`, as views of pieces and `buffer`. */
  private collect(buffer: Uint8Array, frameStart: number, from: number, to: number): Uint8Array[] {
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (const piece of this.pieces) {
      const end = offset + piece.length;
      if (end > from && offset < to) {
        parts.push(piece.subarray(Math.max(0, from - offset), Math.min(piece.length, to - offset)));
      }
      offset = end;
    }
    if (to > offset)
      parts.push(buffer.subarray(frameStart + Math.max(0, from - offset), frameStart + to - offset));
    return parts;
  }

  /** EOI reached at `end` (exclusive): returns the frame, or drops it if it is not an image or too big. */
  private finish(buffer: Uint8Array, frameStart: number, end: number, frames: Frame[]): void {
    const frameLength = this.piecesBytes + end - frameStart;
    if (!this.hasScan || frameLength > this.maxFrameBytes) {
      this.stats.droppedFrames++;
      this.stats.droppedBytes += frameLength;
    } else if (this.piecesBytes === 0) {
      const frame = buffer.subarray(frameStart, end);
      frames.push(this.asPieces ? [frame] : frame);
      this.stats.frames++;
    } else {
      // The pieces are exactly the frame's earlier bytes: handed over as they are, or one copy.
      const parts = this.pieces;
      if (end > frameStart)
        parts.push(end === buffer.length && frameStart === 0 ? buffer : buffer.subarray(frameStart, end));
      frames.push(this.asPieces ? parts : concatBytes(parts, frameLength));
      this.stats.frames++;
    }
    this.resetFrame();
  }

  /** `repairMissingEoi`: returns the frame up to `end` (frame offset) with FF D9 appended. */
  private repair(buffer: Uint8Array, frameStart: number, end: number, frames: Frame[]): void {
    if (end + 2 > this.maxFrameBytes) return;
    const parts = this.collect(buffer, frameStart, 0, end);
    // As pieces, the appended EOI is the one piece that is not a view: a fresh pair of bytes.
    parts.push(this.asPieces ? Uint8Array.of(MARKER_PREFIX, EOI) : EOI_BYTES);
    frames.push(this.asPieces ? parts : concatBytes(parts, end + 2));
    this.stats.frames++;
    this.stats.repairedFrames++;
    // fail() then counts it as dropped; undo that in advance.
    this.stats.droppedFrames--;
    this.stats.droppedBytes -= end;
  }

  /**
   * Drops the current frame, which broke at `position` in `buffer`; the search for the next
   * SOI restarts at frame offset `rescanFrom`. When that is before `position`, those bytes
   * are left in `this.replay`, to be scanned before `buffer` goes on at `position`. A frame
   * found in such bytes rescans nothing when it breaks in turn (only a second SOI's FF), so
   * each byte is scanned again at most once and hostile nesting stays linear.
   */
  private fail(buffer: Uint8Array, frameStart: number, position: number, rescanFrom: number): void {
    const piecesBytes = this.piecesBytes;
    const brokeAt = piecesBytes + position - frameStart;
    if (this.fromReplay && rescanFrom < brokeAt - SOI_PATTERN.length) rescanFrom = brokeAt;
    this.stats.droppedFrames++;
    this.stats.droppedBytes += rescanFrom;
    if (rescanFrom < brokeAt) {
      const parts = this.collect(buffer, frameStart, rescanFrom, brokeAt);
      this.replay = parts;
    }
    this.resetFrame();
  }
}

function invalidOption(name: string, problem: string): JpegError {
  return new JpegError('INVALID_OPTION', `${name} ${problem}`, undefined, { option: name });
}
