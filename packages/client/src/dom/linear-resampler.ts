import { describeInvalidNumber } from '@mjpeg-kit/bytes';
import { PlayerError } from './errors.js';

/**
 * Linear-interpolation resampler for one channel that keeps its phase across blocks, so packets
 * resampled one by one join without clicks. Good enough for speech-band camera audio (8–16 kHz up
 * to the 44.1/48 kHz of an AudioContext); it does not low-pass before downsampling.
 */
export class LinearResampler {
  /** Input rate, Hz (rounded to an integer so the phase arithmetic stays exact). */
  readonly fromHz: number;
  /** Output rate, Hz (rounded to an integer). */
  readonly toHz: number;
  /**
   * Position of the next output sample relative to the next block, in units of 1/toHz input
   * samples: an integer, so splitting the input anywhere gives bit-identical output. May be
   * negative (down to -toHz): the next output lies between the previous block's last sample and
   * this block's first.
   */
  #phase = 0;
  /** The last sample of the previous block. */
  #previous = 0;

  /**
   * @param fromHz - input rate, samples per second.
   * @param toHz - output rate, samples per second.
   * @throws PlayerError `INVALID_OPTION` when a rate is not a finite number that rounds to 1 Hz or more.
   */
  constructor(fromHz: number, toHz: number) {
    this.fromHz = checkRate('fromHz', fromHz);
    this.toHz = checkRate('toHz', toHz);
  }

  /** Resamples one block; the output length follows the accumulated phase, not only `input.length`. */
  process(input: Float32Array): Float32Array<ArrayBuffer> {
    const length = input.length;
    if (length === 0) return new Float32Array(0);
    if (this.fromHz === this.toHz) return new Float32Array(input);
    const to = this.toHz;
    const step = this.fromHz;
    const lastPhase = (length - 1) * to;
    let phase = this.#phase;
    const count = phase > lastPhase ? 0 : Math.floor((lastPhase - phase) / step) + 1;
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const index = Math.floor(phase / to);
      const fraction = (phase - index * to) / to;
      const left = index < 0 ? this.#previous : input[index]!;
      const right = index + 1 < length ? input[index + 1]! : left;
      out[i] = left + (right - left) * fraction;
      phase += step;
    }
    this.#phase = phase - length * to;
    this.#previous = input[length - 1]!;
    return out;
  }

  /** Forgets the phase and the previous sample (after a gap or a rate change). */
  reset(): void {
    this.#phase = 0;
    this.#previous = 0;
  }
}

/** A rate rounded to whole Hz, refused unless it is finite and at least 1 Hz after rounding. */
function checkRate(name: string, hz: number): number {
  const problem = describeInvalidNumber(hz, { min: 0.5 });
  if (problem !== undefined) {
    throw new PlayerError('INVALID_OPTION', `${name} ${problem}`, { option: name });
  }
  return Math.round(hz);
}
