import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../../test-support/thrown.js';
import { SourceError } from '../src/errors.js';
import { execSource } from '../src/node/exec-source.js';
import { mjpegFileSource } from '../src/node/mjpeg-file.js';
import { readableSource } from '../src/readable-source.js';
import { syntheticAudioSource } from '../src/synthetic/synthetic-audio.js';
import { syntheticCameraSource } from '../src/synthetic/synthetic-camera.js';

describe('option checks', () => {
  it.each([
    ['fps', { fps: 0 }],
    ['fps', { fps: Number.POSITIVE_INFINITY }],
    ['width', { width: 8 }],
    ['width', { width: 640.5 }],
    ['height', { height: Number.NaN }],
  ])('syntheticCameraSource refuses a bad %s with INVALID_OPTION naming it', (option, options) => {
    const error = thrownBy(() => syntheticCameraSource(options), SourceError);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
  });

  it.each([
    ['sampleRate', { sampleRate: 16000.5 }],
    ['sampleRate', { sampleRate: Number.POSITIVE_INFINITY }],
    ['packetMs', { packetMs: 4 }],
    ['packetMs', { packetMs: Number.POSITIVE_INFINITY }],
  ])('syntheticAudioSource refuses a bad %s with INVALID_OPTION naming it', (option, options) => {
    const error = thrownBy(() => syntheticAudioSource(options), SourceError);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
  });

  it.each([0, Number.POSITIVE_INFINITY])('mjpegFileSource refuses fps %s with INVALID_OPTION', (fps) => {
    const error = thrownBy(() => mjpegFileSource('/nonexistent.mjpeg', { fps }), SourceError);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('fps');
  });

  it('execSource refuses an empty command with INVALID_OPTION naming it', () => {
    const error = thrownBy(() => execSource([]), SourceError);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('command');
  });

  it.each([
    [
      'readableSource',
      () => readableSource(new ReadableStream(), { maxFrameBytes: Number.POSITIVE_INFINITY }),
    ],
    ['mjpegFileSource', () => mjpegFileSource('/nonexistent.mjpeg', { maxFrameBytes: 3 })],
    ['execSource', () => execSource(['true'], { maxFrameBytes: Number.NaN })],
  ])('%s refuses a bad maxFrameBytes with SourceError INVALID_OPTION', (_name, make) => {
    const error = thrownBy(make, SourceError);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('maxFrameBytes');
  });

  it('execSource refuses an infinite killTimeoutMs with INVALID_OPTION naming it', () => {
    const error = thrownBy(
      () => execSource(['true'], { killTimeoutMs: Number.POSITIVE_INFINITY }),
      SourceError,
    );
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('killTimeoutMs');
  });
});
