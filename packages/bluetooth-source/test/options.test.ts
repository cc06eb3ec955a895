import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../../test-support/thrown.js';
import { portCameraSource } from '../src/camera/camera-source.js';
import { Ov528Camera } from '../src/camera/ov528.js';
import { type CameraPort, PortReader } from '../src/camera/port.js';
import { createCameraStats } from '../src/camera/session.js';
import { StreamCamera } from '../src/camera/stream-mode.js';
import { Vc0706Camera } from '../src/camera/vc0706.js';
import { SourceError } from '../src/errors.js';
import { PcmPacketizer } from '../src/pcm-audio.js';

/** A port that is never read: the option checks run before any byte moves. */
const idlePort: CameraPort = {
  write: async () => {},
  read: async () => undefined,
  close: async () => {},
};

describe('option checks', () => {
  it.each([
    ['sampleRate', { sampleRate: 999 }],
    ['sampleRate', { sampleRate: Number.POSITIVE_INFINITY }],
    ['channels', { channels: 0 }],
    ['channels', { channels: 1.5 }],
    ['packetMs', { packetMs: Number.NaN }],
  ])('PcmPacketizer refuses a bad %s with INVALID_OPTION naming it', (option, options) => {
    const error = thrownBy(() => new PcmPacketizer(options), SourceError);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
  });

  it('portCameraSource refuses an unknown mode with INVALID_OPTION naming it', () => {
    const error = thrownBy(
      () => portCameraSource(async () => idlePort, { mode: 'jpeg' as 'stream' }),
      SourceError,
    );
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('mode');
  });

  it.each([63, 513, Number.POSITIVE_INFINITY])(
    'Ov528Camera refuses packageBytes %s with INVALID_OPTION',
    (value) => {
      const error = thrownBy(
        () =>
          new Ov528Camera(new PortReader(idlePort), async () => {}, createCameraStats(), {
            packageBytes: value,
          }),
        SourceError,
      );
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.option).toBe('packageBytes');
    },
  );

  it.each([12, 0, Number.POSITIVE_INFINITY])(
    'Vc0706Camera refuses blockBytes %s with INVALID_OPTION',
    (value) => {
      const error = thrownBy(
        () =>
          new Vc0706Camera(new PortReader(idlePort), async () => {}, createCameraStats(), {
            blockBytes: value,
          }),
        SourceError,
      );
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.option).toBe('blockBytes');
    },
  );

  it.each([
    ['baudRate', { baudRate: 0 }],
    ['timeoutMs', { timeoutMs: Number.POSITIVE_INFINITY }],
    ['retries', { retries: 1.5 }],
    ['maxFrameBytes', { maxFrameBytes: Number.POSITIVE_INFINITY }],
  ])('the command cameras refuse a bad %s with INVALID_OPTION naming it', (option, options) => {
    for (const Camera of [Vc0706Camera, Ov528Camera]) {
      const error = thrownBy(
        () => new Camera(new PortReader(idlePort), async () => {}, createCameraStats(), options),
        SourceError,
      );
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.option).toBe(option);
    }
  });

  it.each([
    ['idleTimeoutMs', { idleTimeoutMs: Number.POSITIVE_INFINITY }],
    ['maxFrameBytes', { maxFrameBytes: 3 }],
  ])('StreamCamera refuses a bad %s with SourceError INVALID_OPTION', (option, options) => {
    const error = thrownBy(
      () => new StreamCamera(new PortReader(idlePort), createCameraStats(), options),
      SourceError,
    );
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
  });
});
