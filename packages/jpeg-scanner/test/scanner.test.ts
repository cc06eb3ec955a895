import { setNativeSearch } from '@mjpeg-kit/bytes';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FRAME_BYTES, JpegScanner } from '../src/index.js';
import {
  ascii,
  bytes,
  corpusNames,
  describeFrames,
  expectFramesEverySplit,
  join,
  readCorpus,
  sameFrames,
  scanChunks,
  splitEvery,
} from './helpers.js';

const corpus = corpusNames.map((name) => [name, readCorpus(name)] as const);
const baseline = readCorpus('cjpeg-420.jpg');
const progressive = readCorpus('cjpeg-progressive.jpg');
const ffmpegFrame = readCorpus('ffmpeg-420-1.jpg');
const exifFrame = readCorpus('exif-thumbnail-mm.jpg');
/** The smallest real frame (1147 bytes), where splitting at every offset is cheap. */
const small = readCorpus('cjpeg-arithmetic.jpg');

/** The smallest valid frame shape the scanner accepts: SOI, SOS header, one data byte, EOI (T.81 B.2). */
const tinyFrame = bytes(
  0xff,
  0xd8,
  0xff,
  0xda,
  0x00,
  0x08,
  0x01,
  0x01,
  0x00,
  0x00,
  0x3f,
  0x00,
  0x12,
  0xff,
  0xd9,
);

describe('JpegScanner on the corpus (real encoders)', () => {
  it.each(corpus)('returns %s byte-identical, fed whole and split every way', (_name, frame) => {
    expectFramesEverySplit(frame, [frame], { frames: 1, skippedBytes: 0, droppedFrames: 0, droppedBytes: 0 });
  });

  it('returns every corpus frame of one concatenated stream', () => {
    const frames = corpus.map(([, frame]) => frame);
    expectFramesEverySplit(
      join(...frames),
      frames,
      { frames: frames.length, skippedBytes: 0, droppedFrames: 0 },
      {
        randomSplits: 200,
      },
    );
  });

  it('does not end a frame at the EXIF thumbnail’s own FF D9 (#3)', () => {
    const thumbnailEnd = findBytes(exifFrame, bytes(0xff, 0xd9));
    expect(thumbnailEnd).toBeLessThan(exifFrame.length - 2);
    expectFramesEverySplit(join(exifFrame, ffmpegFrame), [exifFrame, ffmpegFrame], { droppedFrames: 0 });
  });

  it('does not end a frame at FF D9 inside a COM segment', () => {
    const frame = readCorpus('com-ffd9.jpg');
    expect(findBytes(frame, bytes(0xff, 0xd9))).toBe(7);
    expectFramesEverySplit(frame, [frame], { frames: 1, droppedFrames: 0 });
  });
});

describe('JpegScanner on the pure-JS search path (browsers, workers)', () => {
  afterEach(() => setNativeSearch(true));

  it('returns every corpus frame of one concatenated stream, and drops a frame cut in its entropy-coded data', () => {
    setNativeSearch(false);
    const frames = corpus.map(([, frame]) => frame);
    expectFramesEverySplit(
      join(...frames),
      frames,
      { frames: frames.length, skippedBytes: 0, droppedFrames: 0 },
      { randomSplits: 20 },
    );
    const cut = ffmpegFrame.length - 1000;
    expectFramesEverySplit(
      join(ffmpegFrame.subarray(0, cut), exifFrame, progressive),
      [exifFrame, progressive],
      {
        frames: 2,
        droppedFrames: 1,
        droppedBytes: cut,
      },
    );
  });
});

describe('JpegScanner zero-copy and copies', () => {
  it('returns a frame inside one chunk as a view of that chunk', () => {
    const chunk = join(ascii('xx'), baseline, ascii('yy'));
    const [frame] = new JpegScanner().push(chunk);
    expect(frame?.buffer).toBe(chunk.buffer);
    expect(frame?.byteOffset).toBe(2);
    expect(frame?.length).toBe(baseline.length);
  });

  it('returns a frame split across three chunks as one exactly sized copy', () => {
    const scanner = new JpegScanner();
    const third = Math.floor(baseline.length / 3);
    expect(scanner.push(baseline.subarray(0, third))).toEqual([]);
    expect(scanner.push(baseline.subarray(third, 2 * third))).toEqual([]);
    const [frame] = scanner.push(baseline.subarray(2 * third));
    expect(frame?.buffer).not.toBe(baseline.buffer);
    expect(frame?.buffer.byteLength).toBe(baseline.length);
    expect(frame).toEqual(baseline);
  });

  it('returns several frames completed by one chunk, in order', () => {
    const frames = new JpegScanner().push(join(baseline, progressive, tinyFrame));
    expect(frames.map((frame) => frame.length)).toEqual([
      baseline.length,
      progressive.length,
      tinyFrame.length,
    ]);
  });
});

describe('JpegScanner marker handling (ITU-T T.81 Annex B)', () => {
  it.each([
    ['fill bytes before a header marker (B.1.1.2)', [0xff, 0xd8, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x02]],
    ['a TEM marker in the headers', [0xff, 0xd8, 0xff, 0x01]],
    ['a COM segment holding FF D8 FF D9', [0xff, 0xd8, 0xff, 0xfe, 0x00, 0x06, 0xff, 0xd8, 0xff, 0xd9]],
  ])('accepts %s', (_what, head) => {
    const frame = join(new Uint8Array(head), tinyFrame.subarray(2));
    expectFramesEverySplit(frame, [frame], { frames: 1, droppedFrames: 0 });
  });

  it.each([
    ['FF 00 stuffing', [0x12, 0xff, 0x00, 0x34]],
    ['RST0..RST7', [0x12, 0xff, 0xd0, 0x34, 0xff, 0xd7, 0x56]],
    ['fill bytes before EOI', [0x12, 0xff, 0xff, 0xff]],
    ['fill bytes before RST', [0x12, 0xff, 0xff, 0xd3, 0x99]],
  ])('crosses entropy-coded data with %s', (_what, data) => {
    const frame = join(tinyFrame.subarray(0, 12), new Uint8Array(data), bytes(0xff, 0xd9));
    expectFramesEverySplit(frame, [frame], { frames: 1, droppedFrames: 0 });
  });

  it('follows a progressive frame through DHT and SOS between scans, and a COM holding FF D9 after a scan', () => {
    const betweenScans = bytes(0xff, 0xc4, 0x00, 0x04, 0xff, 0xd9, 0xff, 0xfe, 0x00, 0x04, 0xff, 0xd9);
    const sos = tinyFrame.subarray(2, 12);
    const frame = join(tinyFrame.subarray(0, 13), betweenScans, sos, bytes(0x55, 0xff, 0xd9));
    expectFramesEverySplit(frame, [frame], { frames: 1, droppedFrames: 0 });
  });

  it('returns a real progressive frame whole (libjpeg-turbo writes ten scans)', () => {
    let scans = 0;
    for (let at = 0; (at = findBytes(progressive, bytes(0xff, 0xda), at)) !== -1; at += 2) scans++;
    expect(scans).toBeGreaterThan(1);
    expect(scanChunks(splitEvery(progressive, 1)).frames).toEqual([progressive]);
  });
});

describe('JpegScanner resynchronisation', () => {
  const garbage = join(
    ascii('--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 4707\r\n\r\n'),
    bytes(0xff, 0xd9, 0xff, 0x00, 0xff, 0xff, 0x00, 0xd8, 0xff),
  );

  it('skips and counts bytes before, between and after frames', () => {
    const input = join(garbage, small, garbage, tinyFrame, garbage);
    expectFramesEverySplit(input, [small, tinyFrame], {
      frames: 2,
      skippedBytes: 3 * garbage.length,
      droppedFrames: 0,
      droppedBytes: 0,
    });
  });

  it('skips an FF that does not begin an SOI, even as the last byte of a chunk', () => {
    const input = join(bytes(0xff, 0xff, 0x00, 0xff), tinyFrame);
    expectFramesEverySplit(input, [tinyFrame], { frames: 1, skippedBytes: 4 });
  });

  it.each([
    ['a non-marker byte where a marker must be', [0xff, 0xd8, 0xff, 0xfe, 0x00, 0x03, 0x41, 0x42]],
    ['a segment length under 2', [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01]],
    ['a reserved marker code (0x02..0xBF)', [0xff, 0xd8, 0xff, 0x4f]],
    ['FF 00 in the headers', [0xff, 0xd8, 0xff, 0x00]],
    ['RST outside a scan', [0xff, 0xd8, 0xff, 0xd0]],
    ['an SOS header that is not 6 + 2 x Ns bytes (T.81 B.2.3)', [0xff, 0xd8, 0xff, 0xda, 0x00, 0x09]],
    ['a reserved code inside entropy-coded data', [...tinyFrame.subarray(0, 13), 0xff, 0x30]],
    ['a frame header (SOFn) after a scan', [...tinyFrame.subarray(0, 13), 0xff, 0xc0, 0x00, 0x02]],
    ['a second SOI in the headers', [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02]],
    ['a second SOI in entropy-coded data (no EOI)', [...tinyFrame.subarray(0, 13)]],
  ])('drops a frame with %s and resumes at the next SOI', (_what, broken) => {
    const input = join(new Uint8Array(broken), small, tinyFrame);
    expectFramesEverySplit(input, [small, tinyFrame], { frames: 2, droppedFrames: 1 });
  });

  it('drops a frame that has no scan (EOI right after the tables)', () => {
    const tablesOnly = bytes(0xff, 0xd8, 0xff, 0xdb, 0x00, 0x02, 0xff, 0xd9);
    expectFramesEverySplit(join(tablesOnly, tinyFrame), [tinyFrame], {
      frames: 1,
      droppedFrames: 1,
      droppedBytes: tablesOnly.length,
    });
  });

  it('finds the next SOI inside a segment whose length ran past it (a frame cut in its headers)', () => {
    // Cut inside the DQT: its length (67) runs 40 bytes into the next frame.
    const dqt = findBytes(baseline, bytes(0xff, 0xdb));
    const cut = baseline.subarray(0, dqt + 30);
    expectFramesEverySplit(join(cut, baseline, ffmpegFrame), [baseline, ffmpegFrame], {
      frames: 2,
      droppedFrames: 1,
      droppedBytes: dqt + 2, // the DQT's length bytes on are searched again
    });
  });

  it('finds the next SOI hidden in the SOS header of a frame cut there', () => {
    const sos = findBytes(ffmpegFrame, bytes(0xff, 0xda));
    const cut = ffmpegFrame.subarray(0, sos + 7);
    expectFramesEverySplit(join(cut, baseline, progressive), [baseline, progressive], {
      frames: 2,
      droppedFrames: 1,
    });
  });

  it('drops a truncated frame followed by good ones, wherever it was cut in its entropy-coded data', () => {
    const sos = findBytes(ffmpegFrame, bytes(0xff, 0xda));
    for (let cut = sos + 14; cut < ffmpegFrame.length - 1; cut += 97) {
      const input = join(ffmpegFrame.subarray(0, cut), baseline, progressive);
      for (const size of [input.length, 7, 1024]) {
        const result = scanChunks(splitEvery(input, size));
        expectSameFrames(result.frames, [baseline, progressive], `cut at ${cut}, ${size}-byte chunks`);
        expect(result.stats).toMatchObject({
          frames: 2,
          droppedFrames: 1,
          droppedBytes: cut,
          skippedBytes: 0,
        });
      }
    }
  });

  it('drops a truncated frame followed by good ones wherever it was cut in its headers, but inside APPn or COM', () => {
    // A segment that may hold anything (APPn, COM) and is cut so that its length lands
    // exactly on a marker of the next frame reads as one frame; the README says so. Every
    // other cut must give back the next frame.
    const sos = findBytes(ffmpegFrame, bytes(0xff, 0xda));
    const opaque = segments(ffmpegFrame).filter((segment) => segment.code >= 0xe0);
    for (let cut = 2; cut < sos + 14; cut++) {
      const input = join(ffmpegFrame.subarray(0, cut), baseline, progressive);
      const result = scanChunks(splitEvery(input, 61));
      expectSameFrames(result.frames.slice(-1), [progressive], `cut at ${cut}`);
      if (!sameFrames(result.frames, [baseline, progressive])) {
        const inOpaque = opaque.some((segment) => cut > segment.start && cut < segment.end);
        expect(inOpaque, `cut at ${cut} lost the next frame`).toBe(true);
      }
    }
  });

  it('recovers the frames after a frame cut inside its EXIF thumbnail', () => {
    // The thumbnail is found again when the APP1 length runs past; if it breaks in turn it
    // rescans nothing (that keeps nesting linear), which may cost the frame right after, and
    // an APPn length landing exactly on a marker merges two frames (README, Limits).
    const thumbnailStart = findBytes(exifFrame, bytes(0xff, 0xd8), 2);
    const app1 = segments(exifFrame).find((segment) => segment.code === 0xe1);
    expect(app1 && thumbnailStart > app1.start && thumbnailStart < app1.end).toBe(true);
    let recoveredBoth = 0;
    let merged = 0;
    let cuts = 0;
    for (let cut = thumbnailStart + 1; cut < (app1?.end ?? 0); cut += 7) {
      const input = join(exifFrame.subarray(0, cut), baseline, ffmpegFrame);
      for (const size of [100, 4096]) {
        const result = scanChunks(splitEvery(input, size));
        expectSameFrames(result.frames.slice(-1), [ffmpegFrame], `cut at ${cut}, ${size}-byte chunks`);
        for (const frame of result.frames) {
          if (!sameFrames([frame], [baseline]) && !sameFrames([frame], [ffmpegFrame])) merged++;
        }
        if (result.frames.length === 2) recoveredBoth++;
        cuts++;
      }
    }
    expect(recoveredBoth / cuts).toBeGreaterThan(0.95);
    expect(merged / cuts).toBeLessThan(0.02);
  });
});

describe('JpegScanner missing EOI', () => {
  const noEoi = baseline.subarray(0, baseline.length - 2);

  it('drops a frame whose entropy data runs into the next SOI, by default', () => {
    expectFramesEverySplit(join(noEoi, tinyFrame), [tinyFrame], {
      frames: 1,
      droppedFrames: 1,
      droppedBytes: noEoi.length,
      repairedFrames: 0,
    });
  });

  it('returns it with FF D9 appended with repairMissingEoi', () => {
    expectFramesEverySplit(
      join(noEoi, tinyFrame),
      [baseline, tinyFrame],
      { frames: 2, droppedFrames: 0, repairedFrames: 1 },
      { repairMissingEoi: true, randomSplits: 20 },
    );
  });
});

describe('JpegScanner limits and end()', () => {
  it('exports a 32 MiB default maxFrameBytes', () => {
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(32 * 1024 * 1024);
  });

  it.each([3, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses maxFrameBytes = %s with INVALID_OPTION',
    (value) => {
      expect(() => new JpegScanner({ maxFrameBytes: value })).toThrow(
        expect.objectContaining({ name: 'JpegError', code: 'INVALID_OPTION', option: 'maxFrameBytes' }),
      );
    },
  );

  it('drops a frame over maxFrameBytes and keeps memory under the limit plus one chunk', () => {
    const maxFrameBytes = ffmpegFrame.length;
    const input = join(baseline, tinyFrame, ffmpegFrame);
    const result = scanChunks(splitEvery(input, 500), { maxFrameBytes });
    expect(result.frames).toEqual([tinyFrame, ffmpegFrame]);
    expect(result.stats).toMatchObject({ frames: 2, droppedFrames: 1 });
    expect(result.maxBuffered).toBeLessThanOrEqual(maxFrameBytes);
    expect(scanChunks([input], { maxFrameBytes }).frames).toEqual([tinyFrame, ffmpegFrame]);
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    expectFramesEverySplit(
      baseline,
      [baseline],
      { frames: 1 },
      { maxFrameBytes: baseline.length, randomSplits: 5 },
    );
  });

  it('drops an unfinished frame at end() without throwing, counts it, and starts afresh', () => {
    const scanner = new JpegScanner();
    expect(scanner.push(baseline.subarray(0, 1000))).toEqual([]);
    expect(scanner.bufferedBytes).toBe(1000);
    expect(scanner.end()).toEqual([]);
    // The dropped frame's last segment (its SOS, then entropy-coded data) was searched
    // again for an SOI: what is not dropped is skipped.
    expect(scanner.stats).toMatchObject({ frames: 0, droppedFrames: 1 });
    expect(scanner.stats.droppedBytes + scanner.stats.skippedBytes).toBe(1000);
    expect(scanner.bufferedBytes).toBe(0);
    expect(scanner.push(baseline.subarray(1000))).toEqual([]);
    expect(scanner.push(baseline)).toEqual([baseline]);
  });

  it('counts a held FF as skipped at end()', () => {
    const scanner = new JpegScanner();
    scanner.push(bytes(0x00, 0xff));
    scanner.end();
    expect(scanner.stats).toMatchObject({ skippedBytes: 2, droppedFrames: 0 });
  });

  it('returns nothing for an empty chunk', () => {
    expect(new JpegScanner().push(new Uint8Array(0))).toEqual([]);
  });

  it('keeps its stats object live', () => {
    const scanner = new JpegScanner();
    const { stats } = scanner;
    scanner.push(join(baseline, baseline));
    expect(stats.frames).toBe(2);
  });

  it('stays linear on frames nested inside broken segments', () => {
    // 2000 SOI + APP0 headers whose lengths all end at the same byte, which is not a marker:
    // every level breaks there. Only the outer frame searches its segment again; the frames
    // found in it rescan nothing when they break, so each byte is scanned again at most once.
    const levels = 2000;
    const end = levels * 6 + 1000;
    const nested = new Uint8Array(end + 1);
    for (let level = 0; level < levels; level++) {
      const at = level * 6;
      const segmentLength = end - (at + 4);
      nested.set([0xff, 0xd8, 0xff, 0xe0, segmentLength >> 8, segmentLength & 0xff], at);
    }
    const result = scanChunks(splitEvery(join(nested, tinyFrame), 1000));
    expect(result.frames).toEqual([tinyFrame]);
    expect(result.stats).toMatchObject({ frames: 1, droppedFrames: 2, skippedBytes: 3 });
  });
});

/** Byte equality without vitest's element-by-element diff unless it fails. */
function expectSameFrames(actual: Uint8Array[], expected: Uint8Array[], message: string): void {
  if (!sameFrames(actual, expected))
    expect(describeFrames(actual), message).toEqual(describeFrames(expected));
}

/** The marker segments before the first SOS: code, start (the FF) and end. */
function segments(frame: Uint8Array): { code: number; start: number; end: number }[] {
  const found: { code: number; start: number; end: number }[] = [];
  for (let at = 2; frame[at] === 0xff && frame[at + 1] !== 0xda; ) {
    const end = at + 2 + (((frame[at + 2] as number) << 8) | (frame[at + 3] as number));
    found.push({ code: frame[at + 1] as number, start: at, end });
    at = end;
  }
  return found;
}

function findBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
