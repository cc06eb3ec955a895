import { BitWriter } from './bit-writer.js';
import { forwardDct } from './dct.js';
import { buildHuffmanCodes, type HuffmanCodes } from './huffman.js';
import {
  AC_CHROMINANCE,
  AC_LUMINANCE,
  CHROMINANCE_QUANT,
  DC_CHROMINANCE,
  DC_LUMINANCE,
  type HuffmanSpec,
  LUMINANCE_QUANT,
  scaleQuantTable,
  ZIGZAG,
} from './tables.js';

/** MCU edge in pixels: 4:2:0 sampling makes one MCU 16×16 (four Y blocks, one Cb, one Cr). */
export const MCU_SIZE = 16;

const DC_LUM = buildHuffmanCodes(DC_LUMINANCE);
const AC_LUM = buildHuffmanCodes(AC_LUMINANCE);
const DC_CHROM = buildHuffmanCodes(DC_CHROMINANCE);
const AC_CHROM = buildHuffmanCodes(AC_CHROMINANCE);

/** Bits needed for |value| (the JPEG "category", T.81 §F.1.2.1). */
function bitLength(value: number): number {
  let magnitude = value < 0 ? -value : value;
  let bits = 0;
  while (magnitude > 0) {
    bits++;
    magnitude >>= 1;
  }
  return bits;
}

/**
 * A baseline (SOF0) encoder for single 16×16 MCUs in 4:2:0. Each MCU is coded as its own
 * restart interval: DC predictors start at zero and the bits end padded to a byte, so
 * the bytes of any MCU can be spliced between RSTn markers of any frame that uses the
 * same tables (T.81 §F.1.2.3 and §E.1.4).
 */
export class McuEncoder {
  /** Luminance quantisation, natural order. */
  readonly lumaQuant: Uint8Array;
  /** Chrominance quantisation, natural order. */
  readonly chromaQuant: Uint8Array;
  private readonly samples = new Float64Array(64);
  private readonly coefficients = new Float64Array(64);

  constructor(readonly quality: number) {
    this.lumaQuant = scaleQuantTable(LUMINANCE_QUANT, quality);
    this.chromaQuant = scaleQuantTable(CHROMINANCE_QUANT, quality);
  }

  /**
   * Encodes one MCU from `rgb`: 16×16 pixels, 3 bytes each, row-major. Returns the
   * entropy-coded bytes, stuffed and padded.
   */
  encode(rgb: Uint8Array): Uint8Array<ArrayBuffer> {
    const luma = new Float64Array(256);
    const cb = new Float64Array(64);
    const cr = new Float64Array(64);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const i = (y * 16 + x) * 3;
        const r = rgb[i]!;
        const g = rgb[i + 1]!;
        const b = rgb[i + 2]!;
        // JFIF YCbCr (full range), level-shifted by 128 as T.81 §A.3.1 requires.
        luma[y * 16 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
        const c = (y >> 1) * 8 + (x >> 1);
        // 4:2:0: each chroma sample averages a 2×2 square.
        cb[c] = cb[c]! + (-0.168736 * r - 0.331264 * g + 0.5 * b) / 4;
        cr[c] = cr[c]! + (0.5 * r - 0.418688 * g - 0.081312 * b) / 4;
      }
    }
    const writer = new BitWriter();
    let dc = 0;
    for (const [bx, by] of [
      [0, 0],
      [8, 0],
      [0, 8],
      [8, 8],
    ] as const) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) this.samples[y * 8 + x] = luma[(by + y) * 16 + bx + x]!;
      }
      dc = this.encodeBlock(this.samples, this.lumaQuant, dc, DC_LUM, AC_LUM, writer);
    }
    this.encodeBlock(cb, this.chromaQuant, 0, DC_CHROM, AC_CHROM, writer);
    this.encodeBlock(cr, this.chromaQuant, 0, DC_CHROM, AC_CHROM, writer);
    return writer.finish();
  }

  /** Codes one 8×8 block (T.81 §F.1.2); returns its quantised DC for the next prediction. */
  private encodeBlock(
    samples: Float64Array,
    quant: Uint8Array,
    previousDc: number,
    dcCodes: HuffmanCodes,
    acCodes: HuffmanCodes,
    writer: BitWriter,
  ): number {
    forwardDct(samples, this.coefficients);
    const zz = new Int32Array(64);
    for (let k = 0; k < 64; k++) {
      const n = ZIGZAG[k]!;
      zz[k] = Math.round(this.coefficients[n]! / quant[n]!);
    }
    const dc = zz[0]!;
    writeValue(writer, dc - previousDc, dcCodes, 0);
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const value = zz[k]!;
      if (value === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        writer.write(acCodes.codes[0xf0]!, acCodes.lengths[0xf0]!); // ZRL: sixteen zeros
        run -= 16;
      }
      writeValue(writer, value, acCodes, run << 4);
      run = 0;
    }
    if (run > 0) writer.write(acCodes.codes[0x00]!, acCodes.lengths[0x00]!); // EOB
    return dc;
  }
}

/** Writes the Huffman code of (run, category) then the value's extra bits (§F.1.2.1.1). */
function writeValue(writer: BitWriter, value: number, codes: HuffmanCodes, runBits: number): void {
  const size = bitLength(value);
  const symbol = runBits | size;
  const length = codes.lengths[symbol]!;
  if (length === 0) throw new RangeError(`no Huffman code for symbol 0x${symbol.toString(16)}`);
  writer.write(codes.codes[symbol]!, length);
  if (size > 0) writer.write(value < 0 ? value - 1 : value, size);
}

/** Writes a DHT segment body entry: class/id byte, 16 counts, symbols. */
function huffmanSegment(classAndId: number, spec: HuffmanSpec): number[] {
  return [classAndId, ...spec.counts, ...spec.symbols];
}

/** A marker segment: FF, marker, 16-bit length (including itself), payload. */
function segment(marker: number, payload: readonly number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...payload];
}

/**
 * The bytes from SOI through SOS of a baseline 4:2:0 frame coded by `encoder`, with a
 * restart interval of `restartInterval` MCUs (T.81 §B.2).
 */
export function writeJpegHeader(
  encoder: McuEncoder,
  width: number,
  height: number,
  restartInterval = 1,
): Uint8Array<ArrayBuffer> {
  const zigzag = (table: Uint8Array) => ZIGZAG.map((n) => table[n]!);
  const bytes = [
    0xff,
    0xd8,
    // APP0 JFIF 1.01, no thumbnail: some players want it to assume YCbCr.
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xdb, [0x00, ...zigzag(encoder.lumaQuant), 0x01, ...zigzag(encoder.chromaQuant)]),
    ...segment(0xc0, [
      8,
      height >> 8,
      height & 0xff,
      width >> 8,
      width & 0xff,
      3,
      1,
      0x22,
      0,
      2,
      0x11,
      1,
      3,
      0x11,
      1,
    ]),
    ...segment(0xc4, [
      ...huffmanSegment(0x00, DC_LUMINANCE),
      ...huffmanSegment(0x10, AC_LUMINANCE),
      ...huffmanSegment(0x01, DC_CHROMINANCE),
      ...huffmanSegment(0x11, AC_CHROMINANCE),
    ]),
    ...segment(0xdd, [restartInterval >> 8, restartInterval & 0xff]),
    ...segment(0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]),
  ];
  return Uint8Array.from(bytes);
}
