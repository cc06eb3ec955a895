import { describe, expect, it } from 'vitest';
import { portCameraSource } from '../src/camera/camera-source.js';
import { Ov528Camera } from '../src/camera/ov528.js';
import { type CameraPort, PortReader } from '../src/camera/port.js';
import { createCameraStats } from '../src/camera/session.js';
import { Vc0706Camera } from '../src/camera/vc0706.js';
import { SourceError } from '../src/errors.js';
import { PcmPacketizer } from '../src/pcm-audio.js';

/** A port that is never read: the option checks run before any byte moves. */
const idlePort: CameraPort = {
  write: async () => {},
  read: async () => undefined,
  close: async () => {},
};

function refusal(action: () => unknown): SourceError {
  try {
    action();
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error('expected a SourceError');
}

describe('option checks', () => {
  it.each([
    ['sampleRate', { sampleRate: 999 }],
    ['sampleRate', { sampleRate: Number.POSITIVE_INFINITY }],
    ['channels', { channels: 0 }],
    ['channels', { channels: 1.5 }],
    ['packetMs', { packetMs: Number.NaN }],
  ])('PcmPacketizer refuses a bad %s with INVALID_OPTION naming it', (option, options) => {
    const error = refusal(() => new PcmPacketizer(options));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
  });

  it('portCameraSource refuses an unknown mode with INVALID_OPTION naming it', () => {
    const error = refusal(() => portCameraSource(async () => idlePort, { mode: 'jpeg' as 'stream' }));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('mode');
  });

  it.each([63, 513, Number.POSITIVE_INFINITY])(
    'Ov528Camera refuses packageBytes %s with INVALID_OPTION',
    (value) => {
      const error = refusal(
        () =>
          new Ov528Camera(new PortReader(idlePort), async () => {}, createCameraStats(), {
            packageBytes: value,
          }),
      );
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.option).toBe('packageBytes');
    },
  );

  it.each([12, 0, Number.POSITIVE_INFINITY])(
    'Vc0706Camera refuses blockBytes %s with INVALID_OPTION',
    (value) => {
      const error = refusal(
        () =>
          new Vc0706Camera(new PortReader(idlePort), async () => {}, createCameraStats(), {
            blockBytes: value,
          }),
      );
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.option).toBe('blockBytes');
    },
  );
});
