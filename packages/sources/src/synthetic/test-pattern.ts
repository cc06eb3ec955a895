import { MCU_SIZE, McuEncoder, writeJpegHeader } from '../jpeg-encoder/mcu-encoder.js';
import { checkNumberOption } from '../options.js';
import { GLYPHS, isGlyphPixel } from './font.js';

/** Default JPEG quality of the synthetic camera (IJG scale). */
export const DEFAULT_TEST_PATTERN_QUALITY = 75;

/** Options of {@link TestPatternRenderer}. */
export interface TestPatternOptions {
  /** Frame width in pixels, 16..4096. */
  width: number;
  /** Frame height in pixels, 16..4096. */
  height: number;
  /** IJG quality 1..100 (default 75). */
  quality?: number;
}

type Rgb = readonly [number, number, number];

/** SMPTE-style 75% colour bars, left to right. */
const BARS: readonly Rgb[] = [
  [191, 191, 191],
  [191, 191, 0],
  [0, 191, 191],
  [0, 191, 0],
  [191, 0, 191],
  [191, 0, 0],
  [0, 0, 191],
  [16, 16, 16],
];
const TRACK: Rgb = [64, 64, 64];
const SLIDER: Rgb = [235, 235, 235];
const TEXT_BACKGROUND: Rgb = [0, 0, 0];
const TEXT_FOREGROUND: Rgb = [255, 255, 255];
const FLASH: Rgb = [255, 255, 255];
/** Slider speed in pixels per second of the shared clock; positions step by 2 px. */
const SLIDER_PX_PER_SECOND = 160;
const SLIDER_STEP_PX = 2;
/** Characters the overlay can show, each with a top and a bottom tile. */
const TEXT_CHARS = Object.keys(GLYPHS);
const RST0 = 0xd0;
/** Width and height in whole pixels: at least one MCU, at most 4096. */
const PATTERN_SIDE = { min: 16, max: 4096, integer: true } as const;

/** Small copies are faster as a loop than through `subarray` + `set`. */
const SMALL_TILE_BYTES = 24;

/**
 * Renders the synthetic camera's test pattern as baseline JPEG frames without encoding
 * anything per frame. Every 16×16 MCU the pattern can show (colour bars, a grey ramp, a
 * sliding bar at 2-pixel steps, glyph halves, white) is encoded once as its own restart
 * interval; a frame is the header, then each MCU's bytes followed by RSTn, then EOI,
 * written into one exactly sized buffer.
 *
 * Layout, top to bottom: colour bars; a two-MCU track with a white bar sliding at
 * 160 px/s of the timestamp; a grey ramp; a two-MCU text band with the frame counter and
 * the UTC time of the timestamp (`HH:MM:SS.mmm`; frames under 304 px wide show only the
 * counter's last digits). A flash frame is white except the text.
 */
export class TestPatternRenderer {
  readonly width: number;
  readonly height: number;
  /** MCUs per row and per column. */
  readonly mcusX: number;
  readonly mcusY: number;
  private readonly header: Uint8Array;
  private readonly pool: Uint8Array;
  private readonly tileOffsets: Int32Array;
  private readonly tileLengths: Int32Array;
  private readonly normalMap: Uint16Array;
  private readonly flashMap: Uint16Array;
  private readonly map: Uint16Array;
  private readonly trackTiles: { plain: number; variants: number[] };
  private readonly glyphTiles = new Map<string, readonly [number, number]>();
  private readonly trackRows: number[] = [];
  private readonly textRow: number;

  /** @throws SourceError `INVALID_OPTION` for a width or height outside 16–4096 whole pixels. */
  constructor(options: TestPatternOptions) {
    const width = checkNumberOption('width', options.width, PATTERN_SIDE);
    const height = checkNumberOption('height', options.height, PATTERN_SIDE);
    this.width = width;
    this.height = height;
    this.mcusX = Math.ceil(width / MCU_SIZE);
    this.mcusY = Math.ceil(height / MCU_SIZE);
    const encoder = new McuEncoder(options.quality ?? DEFAULT_TEST_PATTERN_QUALITY);
    this.header = writeJpegHeader(encoder, width, height, 1);

    const tiles: Uint8Array[] = [];
    const solidIds = new Map<string, number>();
    const addTile = (paint: (x: number, y: number) => Rgb): number => {
      const rgb = new Uint8Array(MCU_SIZE * MCU_SIZE * 3);
      for (let y = 0; y < MCU_SIZE; y++) {
        for (let x = 0; x < MCU_SIZE; x++) rgb.set(paint(x, y), (y * MCU_SIZE + x) * 3);
      }
      tiles.push(encoder.encode(rgb));
      return tiles.length - 1;
    };
    const solid = (color: Rgb): number => {
      const key = color.join();
      let id = solidIds.get(key);
      if (id === undefined) {
        id = addTile(() => color);
        solidIds.set(key, id);
      }
      return id;
    };

    const { mcusX, mcusY } = this;
    this.textRow = mcusY - 2;
    const rampRow = mcusY - 3;
    this.trackRows = [mcusY - 5, mcusY - 4].filter((row) => row >= 0);
    this.normalMap = new Uint16Array(mcusX * mcusY);
    this.flashMap = new Uint16Array(mcusX * mcusY);
    this.map = new Uint16Array(mcusX * mcusY);
    const spanX = mcusX * MCU_SIZE - 1;
    for (let row = 0; row < mcusY; row++) {
      for (let col = 0; col < mcusX; col++) {
        const i = row * mcusX + col;
        let id: number;
        if (row >= this.textRow) id = solid(TEXT_BACKGROUND);
        else if (row === rampRow) {
          id = addTile((x) => {
            const level = Math.round((255 * (col * MCU_SIZE + x)) / spanX);
            return [level, level, level];
          });
        } else if (this.trackRows.includes(row)) id = solid(TRACK);
        else id = solid(BARS[Math.floor((col * BARS.length) / mcusX)]!);
        this.normalMap[i] = id;
        this.flashMap[i] = row >= this.textRow ? id : solid(FLASH);
      }
    }
    // Slider variants: the bar's left edge sits at r pixels from the tile's left edge.
    const variants: number[] = [];
    for (let r = -MCU_SIZE + SLIDER_STEP_PX; r < MCU_SIZE; r += SLIDER_STEP_PX) {
      variants.push(addTile((x) => (x >= r && x < r + MCU_SIZE ? SLIDER : TRACK)));
    }
    this.trackTiles = { plain: solid(TRACK), variants };
    for (const char of TEXT_CHARS) {
      const paint = (dy: number) => (x: number, y: number) =>
        isGlyphPixel(char, x, y + dy) ? TEXT_FOREGROUND : TEXT_BACKGROUND;
      this.glyphTiles.set(char, [addTile(paint(0)), addTile(paint(MCU_SIZE))]);
    }

    let poolLength = 0;
    for (const tile of tiles) poolLength += tile.length;
    this.pool = new Uint8Array(poolLength);
    this.tileOffsets = new Int32Array(tiles.length);
    this.tileLengths = new Int32Array(tiles.length);
    let offset = 0;
    tiles.forEach((tile, id) => {
      this.pool.set(tile, offset);
      this.tileOffsets[id] = offset;
      this.tileLengths[id] = tile.length;
      offset += tile.length;
    });
  }

  /** Number of distinct pre-encoded MCUs. */
  get tileCount(): number {
    return this.tileLengths.length;
  }

  /**
   * One frame for `timestampMs` (epoch ms: drives the slider and the clock) showing
   * `seq` (the last six digits) and, when `flash`, the white flash.
   */
  render(timestampMs: number, seq: number, flash = false): Uint8Array<ArrayBuffer> {
    const { map, mcusX, mcusY } = this;
    map.set(flash ? this.flashMap : this.normalMap);
    if (!flash) this.placeSlider(timestampMs);
    const counter = String(Math.trunc(seq) % 1_000_000).padStart(6, '0');
    const text = `${counter} ${formatClock(timestampMs)}`;
    // Too narrow for both: the counter's last digits, so every frame still differs.
    this.placeText(text.length <= mcusX ? text : counter.slice(-Math.min(mcusX, counter.length)));

    const count = mcusX * mcusY;
    const lengths = this.tileLengths;
    let total = this.header.length + 2 * count; // RSTn after all but the last MCU, then EOI
    for (let i = 0; i < count; i++) total += lengths[map[i]!]!;
    const out = new Uint8Array(total);
    out.set(this.header);
    let p = this.header.length;
    const pool = this.pool;
    const offsets = this.tileOffsets;
    for (let i = 0; i < count; i++) {
      const id = map[i]!;
      const start = offsets[id]!;
      const length = lengths[id]!;
      if (length <= SMALL_TILE_BYTES) {
        for (let k = 0; k < length; k++) out[p + k] = pool[start + k]!;
      } else {
        out.set(pool.subarray(start, start + length), p);
      }
      p += length;
      out[p++] = 0xff;
      // T.81 §B.2.1: RST markers count modulo 8 and sit between intervals, not after the last.
      out[p++] = i === count - 1 ? 0xd9 : RST0 + (i & 7);
    }
    return out;
  }

  private placeSlider(timestampMs: number): void {
    if (this.trackRows.length === 0) return;
    const travel = this.mcusX * MCU_SIZE + MCU_SIZE;
    const px = Math.floor((timestampMs * SLIDER_PX_PER_SECOND) / 1000) % travel;
    const left = px - (px % SLIDER_STEP_PX) - MCU_SIZE;
    const { plain, variants } = this.trackTiles;
    for (const row of this.trackRows) {
      for (let col = 0; col < this.mcusX; col++) {
        const r = left - col * MCU_SIZE;
        const id = r <= -MCU_SIZE || r >= MCU_SIZE ? plain : variants[(r + MCU_SIZE) / SLIDER_STEP_PX - 1]!;
        this.map[row * this.mcusX + col] = id;
      }
    }
  }

  private placeText(text: string): void {
    const columns = Math.min(text.length, this.mcusX);
    for (let col = 0; col < columns; col++) {
      const [top, bottom] = this.glyphTiles.get(text[col]!) ?? this.glyphTiles.get(' ')!;
      if (this.textRow >= 0) this.map[this.textRow * this.mcusX + col] = top;
      this.map[(this.textRow + 1) * this.mcusX + col] = bottom;
    }
  }
}

/** `HH:MM:SS.mmm` in UTC. */
function formatClock(timestampMs: number): string {
  const ms = Math.floor(timestampMs) % 86_400_000;
  const pad = (value: number, digits = 2) => String(value).padStart(digits, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}
