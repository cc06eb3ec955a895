/**
 * JPEG marker codes (ITU-T T.81 Table B.1): the byte after a 0xFF. Named so the state machine
 * reads like the spec.
 */

/** Every marker starts with this byte; runs of it before a marker are fill bytes (T.81 B.1.1.2). */
export const MARKER_PREFIX = 0xff;
/** 0xFF 0x00 inside entropy-coded data is a stuffed 0xFF data byte (T.81 B.1.1.5), not a marker. */
export const STUFFED_ZERO = 0x00;
/** Temporary private use in arithmetic coding: a marker without a length. */
export const TEM = 0x01;
/** Start of frame, baseline DCT. */
export const SOF0 = 0xc0;
/** Define Huffman tables: shares the SOFn range but is not a frame header. */
export const DHT = 0xc4;
/** Reserved for JPEG extensions: shares the SOFn range but is not a frame header. */
const JPG = 0xc8;
/** Define arithmetic coding conditioning: shares the SOFn range but is not a frame header. */
const DAC = 0xcc;
/** Restart markers RST0..RST7 (0xD0..0xD7): standalone, only inside entropy-coded data. */
export const RST0 = 0xd0;
export const RST7 = 0xd7;
/** Start of image. */
export const SOI = 0xd8;
/** End of image. */
export const EOI = 0xd9;
/** Start of scan: its header segment is followed by entropy-coded data. */
export const SOS = 0xda;
/** Define restart interval. */
export const DRI = 0xdd;
/** APP0: the first application segment (JFIF); APPn, JPGn and COM follow up to 0xFE. */
export const APP0 = 0xe0;
/** APP1: where Exif lives. */
export const APP1 = 0xe1;
/** Comment. */
export const COM = 0xfe;

/** Whether `code` is a restart marker (RST0..RST7). */
export function isRestartMarker(code: number): boolean {
  return code >= RST0 && code <= RST7;
}

/**
 * Whether `code` is a start-of-frame marker (SOF0..SOF15 without DHT, JPG and DAC, which
 * share the 0xC0..0xCF range; T.81 Table B.1).
 */
export function isFrameHeaderMarker(code: number): boolean {
  return code >= SOF0 && code <= 0xcf && code !== DHT && code !== JPG && code !== DAC;
}

/**
 * Whether `code` begins a marker segment with a 2-byte length: 0xC0..0xFE except SOI, EOI and
 * RSTn. Codes 0x02..0xBF are reserved (RES) and never appear in a valid stream.
 */
export function hasSegmentLength(code: number): boolean {
  return code >= SOF0 && code <= 0xfe && code !== SOI && code !== EOI && !isRestartMarker(code);
}
