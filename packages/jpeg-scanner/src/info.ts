import { escapeBytes } from '@mjpeg-kit/bytes';
import { JpegError } from './errors.js';
import {
  APP1,
  DRI,
  EOI,
  hasSegmentLength,
  isFrameHeaderMarker,
  isRestartMarker,
  MARKER_PREFIX,
  SOI,
  SOS,
  TEM,
} from './markers.js';

/** One component's sampling factors from the frame header (T.81 B.2.2). */
export interface JpegComponentSampling {
  /** Component identifier (often 1, 2, 3 for Y, Cb, Cr). */
  id: number;
  /** Horizontal sampling factor, 1..4. */
  h: number;
  /** Vertical sampling factor, 1..4. */
  v: number;
}

/** What `readJpegInfo` reads from a frame's headers. */
export interface JpegInfo {
  /** Width in pixels. */
  width: number;
  /** Height in pixels; 0 when the frame defines it later in a DNL segment (T.81 B.2.5). */
  height: number;
  /** Bits per sample: 8 for nearly every camera; 12 or 16 in extended or lossless frames. */
  precision: number;
  /** Number of components: 1 grayscale, 3 YCbCr, 4 CMYK/YCCK. */
  components: number;
  /** Sampling factors per component, in frame-header order (4:2:0 is `2x2,1x1,1x1`). */
  sampling: JpegComponentSampling[];
  /** Whether the frame is progressive (SOF2, SOF6, SOF10, SOF14). */
  progressive: boolean;
  /** MCUs per restart interval from DRI, 0 without restart markers. */
  restartInterval: number;
  /** Whether an APP1 segment holds Exif data. */
  exif: boolean;
  /** Exif orientation (1..8, TIFF tag 0x0112 in IFD0) when present and valid. */
  orientation?: number;
}

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"
const ORIENTATION_TAG = 0x0112;
const TIFF_SHORT = 3;

/**
 * Reads size, components and sampling, progressive or baseline, the restart interval and
 * Exif presence (and orientation) from a JPEG frame. It reads only up to the first SOS, so
 * the entropy-coded data is never touched and a frame cut after its headers still works.
 *
 * @throws JpegError `NOT_JPEG` when the frame does not start with FF D8; `BAD_MARKER` where a
 * marker is expected but absent or impossible; `BAD_SEGMENT_LENGTH` for a length under 2;
 * `TRUNCATED` when the headers run past the end; `BAD_FRAME_HEADER` for an inconsistent
 * SOFn; `NO_FRAME_HEADER` when SOS or EOI comes before any SOFn.
 * @example
 * ```ts
 * const { width, height, progressive } = readJpegInfo(frame);
 * ```
 */
export function readJpegInfo(frame: Uint8Array): JpegInfo {
  if (frame.length < 2 || frame[0] !== MARKER_PREFIX || frame[1] !== SOI) {
    throw new JpegError('NOT_JPEG', `expected SOI (FF D8), found "${escapeBytes(frame, 0, 2)}"`, 0);
  }
  let position = 2;
  let info: JpegInfo | undefined;
  let restartInterval = 0;
  let exif = false;
  let orientation: number | undefined;
  for (;;) {
    if (position >= frame.length)
      throw new JpegError('TRUNCATED', 'frame ends before its first scan', position);
    if (frame[position] !== MARKER_PREFIX) {
      throw new JpegError(
        'BAD_MARKER',
        `expected a marker (FF), found "${escapeBytes(frame, position, 4)}"`,
        position,
      );
    }
    // Fill bytes: any number of FF before the code (T.81 B.1.1.2).
    while (frame[position + 1] === MARKER_PREFIX) position++;
    const code = frame[position + 1];
    if (code === undefined) throw new JpegError('TRUNCATED', 'frame ends inside a marker', position);
    const markerAt = position;
    position += 2;
    if (code === TEM) continue;
    if (code === EOI) throw new JpegError('NO_FRAME_HEADER', 'EOI before any frame header (SOFn)', markerAt);
    if (!hasSegmentLength(code)) {
      const what =
        code === SOI ? 'a second SOI' : isRestartMarker(code) ? 'RST outside a scan' : 'an invalid marker';
      throw new JpegError('BAD_MARKER', `${what} (FF ${hex(code)}) in the headers`, markerAt);
    }
    if (position + 2 > frame.length)
      throw new JpegError('TRUNCATED', 'frame ends inside a segment length', position);
    const segmentLength = ((frame[position] as number) << 8) | (frame[position + 1] as number);
    if (segmentLength < 2) {
      throw new JpegError(
        'BAD_SEGMENT_LENGTH',
        `segment FF ${hex(code)} has length ${segmentLength} (< 2)`,
        position,
      );
    }
    const payload = position + 2;
    const end = position + segmentLength;
    if (code === SOS) {
      if (info === undefined)
        throw new JpegError('NO_FRAME_HEADER', 'SOS before any frame header (SOFn)', markerAt);
      info.restartInterval = restartInterval;
      info.exif = exif;
      if (orientation !== undefined) info.orientation = orientation;
      return info;
    }
    if (end > frame.length) {
      throw new JpegError(
        'TRUNCATED',
        `segment FF ${hex(code)} of ${segmentLength} bytes runs past the end`,
        position,
      );
    }
    if (isFrameHeaderMarker(code)) {
      if (info !== undefined)
        throw new JpegError('BAD_FRAME_HEADER', 'a second frame header (SOFn)', markerAt);
      info = readFrameHeader(frame, code, payload, end);
    } else if (code === DRI) {
      if (segmentLength !== 4)
        throw new JpegError('BAD_SEGMENT_LENGTH', `DRI has length ${segmentLength}, not 4`, position);
      restartInterval = ((frame[payload] as number) << 8) | (frame[payload + 1] as number);
    } else if (code === APP1 && !exif && isExifHeader(frame, payload, end)) {
      exif = true;
      orientation = readOrientation(frame, payload + EXIF_HEADER.length, end);
    }
    position = end;
  }
}

/** SOFn (T.81 B.2.2): P, Y, X, Nf, then Nf × (C, H|V, Tq). */
function readFrameHeader(frame: Uint8Array, code: number, payload: number, end: number): JpegInfo {
  const components = frame[payload + 5];
  if (components === undefined || payload + 6 > end) {
    throw new JpegError('BAD_FRAME_HEADER', `frame header (FF ${hex(code)}) is too short`, payload);
  }
  if (components === 0 || end - payload !== 6 + 3 * components) {
    throw new JpegError(
      'BAD_FRAME_HEADER',
      `frame header (FF ${hex(code)}) has ${end - payload + 2} bytes for ${components} components`,
      payload,
    );
  }
  const width = ((frame[payload + 3] as number) << 8) | (frame[payload + 4] as number);
  if (width === 0) throw new JpegError('BAD_FRAME_HEADER', 'frame header has width 0', payload + 3);
  const sampling: JpegComponentSampling[] = [];
  for (let i = 0; i < components; i++) {
    const at = payload + 6 + 3 * i;
    const factors = frame[at + 1] as number;
    sampling.push({ id: frame[at] as number, h: factors >> 4, v: factors & 0x0f });
  }
  return {
    width,
    height: ((frame[payload + 1] as number) << 8) | (frame[payload + 2] as number),
    precision: frame[payload] as number,
    components,
    sampling,
    // SOF2, SOF6, SOF10, SOF14: progressive DCT (Huffman or arithmetic, sequential or differential).
    progressive: (code & 0x03) === 0x02,
    restartInterval: 0,
    exif: false,
  };
}

function isExifHeader(frame: Uint8Array, payload: number, end: number): boolean {
  if (end - payload < EXIF_HEADER.length) return false;
  for (let i = 0; i < EXIF_HEADER.length; i++) if (frame[payload + i] !== EXIF_HEADER[i]) return false;
  return true;
}

/**
 * Orientation from IFD0 of the TIFF structure inside Exif, either byte order. A malformed
 * Exif block gives `undefined`, never an error: it does not stop the image from decoding.
 */
function readOrientation(frame: Uint8Array, tiff: number, end: number): number | undefined {
  if (tiff + 8 > end) return undefined;
  const little = frame[tiff] === 0x49 && frame[tiff + 1] === 0x49; // "II"
  const big = frame[tiff] === 0x4d && frame[tiff + 1] === 0x4d; // "MM"
  if (!little && !big) return undefined;
  const read16 = (at: number): number =>
    little
      ? (frame[at] as number) | ((frame[at + 1] as number) << 8)
      : ((frame[at] as number) << 8) | (frame[at + 1] as number);
  const read32 = (at: number): number =>
    little ? read16(at) + read16(at + 2) * 0x10000 : read16(at) * 0x10000 + read16(at + 2);
  if (read16(tiff + 2) !== 42) return undefined;
  const ifd = tiff + read32(tiff + 4);
  if (ifd + 2 > end) return undefined;
  const count = read16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > end) return undefined;
    if (read16(entry) !== ORIENTATION_TAG) continue;
    if (read16(entry + 2) !== TIFF_SHORT) return undefined;
    const value = read16(entry + 8);
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return undefined;
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
