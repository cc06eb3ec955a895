import { describe, expect, it } from 'vitest';
import { JpegError, readJpegInfo } from '../src/index.js';
import { bytes, join, readCorpus } from './helpers.js';

const baseline = readCorpus('cjpeg-420.jpg');

describe('readJpegInfo on the corpus', () => {
  it.each([
    [
      'cjpeg-420.jpg',
      { width: 160, height: 120, components: 3, progressive: false, restartInterval: 0, exif: false },
    ],
    ['cjpeg-gray.jpg', { width: 320, height: 240, components: 1, sampling: [{ id: 1, h: 1, v: 1 }] }],
    ['cjpeg-progressive.jpg', { progressive: true, components: 3 }],
    ['cjpeg-restart.jpg', { restartInterval: 5, progressive: false }],
    ['magick-cmyk.jpg', { width: 64, height: 48, components: 4 }],
    ['exif-thumbnail-mm.jpg', { exif: true, orientation: 6, width: 160 }],
    ['exif-thumbnail-ii.jpg', { exif: true, orientation: 3, progressive: true }],
  ])('reads %s', (name, expected) => {
    expect(readJpegInfo(readCorpus(name))).toMatchObject(expected);
  });

  it('reads 4:2:0 sampling with component ids', () => {
    expect(readJpegInfo(baseline).sampling).toEqual([
      { id: 1, h: 2, v: 2 },
      { id: 2, h: 1, v: 1 },
      { id: 3, h: 1, v: 1 },
    ]);
    expect(readJpegInfo(baseline).precision).toBe(8);
  });

  it('leaves orientation out without Exif', () => {
    expect('orientation' in readJpegInfo(baseline)).toBe(false);
  });

  it('reads only the headers: a frame cut right after its SOS header still works', () => {
    const sos = Buffer.from(baseline).indexOf(Buffer.from([0xff, 0xda]));
    expect(readJpegInfo(baseline.subarray(0, sos + 14)).width).toBe(160);
  });
});

describe('readJpegInfo errors (JpegError code and offset)', () => {
  const sof = bytes(0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x20, 0x01, 0x01, 0x11, 0x00);
  const sos = bytes(0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00);
  const soi = bytes(0xff, 0xd8);

  it('reads a minimal frame (SOI, SOF0, SOS)', () => {
    expect(readJpegInfo(join(soi, sof, sos))).toEqual({
      width: 32,
      height: 16,
      precision: 8,
      components: 1,
      sampling: [{ id: 1, h: 1, v: 1 }],
      progressive: false,
      restartInterval: 0,
      exif: false,
    });
  });

  it('skips fill bytes before a marker (T.81 B.1.1.2)', () => {
    expect(readJpegInfo(join(soi, bytes(0xff, 0xff), sof, sos)).width).toBe(32);
  });

  it.each([
    ['NOT_JPEG', 0, bytes(0x89, 0x50, 0x4e, 0x47)],
    ['NOT_JPEG', 0, bytes(0xff)],
    ['TRUNCATED', 2, soi],
    ['TRUNCATED', 2, join(soi, bytes(0xff))],
    ['TRUNCATED', 4, join(soi, bytes(0xff, 0xdb, 0x00))],
    ['TRUNCATED', 4, join(soi, bytes(0xff, 0xdb, 0x00, 0x43, 0x00))],
    ['BAD_MARKER', 2, join(soi, bytes(0x00, 0x11))],
    ['BAD_MARKER', 2, join(soi, bytes(0xff, 0xd8))],
    ['BAD_MARKER', 2, join(soi, bytes(0xff, 0xd0))],
    ['BAD_MARKER', 2, join(soi, bytes(0xff, 0x42))],
    ['BAD_SEGMENT_LENGTH', 4, join(soi, bytes(0xff, 0xe0, 0x00, 0x01))],
    ['BAD_SEGMENT_LENGTH', 4, join(soi, bytes(0xff, 0xdd, 0x00, 0x05, 0, 0, 0), sof, sos)],
    ['NO_FRAME_HEADER', 2, join(soi, sos)],
    ['NO_FRAME_HEADER', 2, join(soi, bytes(0xff, 0xd9))],
    [
      'BAD_FRAME_HEADER',
      6,
      join(soi, bytes(0xff, 0xc0, 0x00, 0x0c, 0x08, 0, 0x10, 0, 0x20, 0x01, 1, 0x11, 0, 0)),
    ],
    [
      'BAD_FRAME_HEADER',
      9,
      join(soi, bytes(0xff, 0xc0, 0x00, 0x0b, 0x08, 0, 0x10, 0, 0, 0x01, 1, 0x11, 0), sos),
    ],
    ['BAD_FRAME_HEADER', 15, join(soi, sof, sof, sos)],
  ])('throws %s at byte %i', (code, offset, frame) => {
    let error: unknown;
    try {
      readJpegInfo(frame);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JpegError);
    expect(error).toMatchObject({ code, offset, name: 'JpegError' });
  });

  it('reads orientation from big- and little-endian Exif, and ignores a broken one', () => {
    const exif = (tiff: number[]): Uint8Array => {
      const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
      return bytes(0xff, 0xe1, 0, payload.length + 2, ...payload);
    };
    const mm = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0];
    const ii = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0];
    expect(readJpegInfo(join(soi, exif(mm), sof, sos))).toMatchObject({ exif: true, orientation: 8 });
    expect(readJpegInfo(join(soi, exif(ii), sof, sos))).toMatchObject({ exif: true, orientation: 5 });
    const broken = readJpegInfo(join(soi, exif([0x4d, 0x4d, 0, 42, 0xff, 0, 0, 8]), sof, sos));
    expect(broken.exif).toBe(true);
    expect(broken.orientation).toBeUndefined();
  });
});
