import { describe, expect, it } from 'vitest';
import {
  ByteStreamError,
  checkNumberOption,
  describeInvalidChoice,
  describeInvalidNumber,
} from '../src/index.js';

describe('describeInvalidNumber', () => {
  it.each([
    [5, { min: 1, max: 8 }],
    [1, { min: 1, max: 8, integer: true }],
    [0, { min: 0 }],
    [-3.5, {}],
  ])('accepts %s within %o', (value, range) => {
    expect(describeInvalidNumber(value, range)).toBeUndefined();
  });

  it.each([
    [Number.POSITIVE_INFINITY, {}, 'must be a finite number, got Infinity'],
    [Number.NEGATIVE_INFINITY, { max: 10 }, 'must be a finite number of at most 10, got -Infinity'],
    [Number.NaN, { min: 0 }, 'must be a finite number of at least 0, got NaN'],
    [9, { min: 1, max: 8 }, 'must be a finite number from 1 to 8, got 9'],
    [1.5, { min: 1, max: 8, integer: true }, 'must be a whole number from 1 to 8, got 1.5'],
    [2 ** 60, { min: 1, integer: true }, `must be a whole number of at least 1, got ${2 ** 60}`],
    ['8', { min: 1 }, "must be a finite number of at least 1, got '8'"],
  ])('refuses %s within %o, saying why', (value, range, problem) => {
    expect(describeInvalidNumber(value, range)).toBe(problem);
  });
});

describe('checkNumberOption', () => {
  const invalid = (name: string, problem: string) =>
    new ByteStreamError('INVALID_OPTION', `${name} ${problem}`, undefined, { option: name });

  it('returns a value within the range', () => {
    expect(checkNumberOption('fps', 30, { min: 1, max: 120 }, invalid)).toBe(30);
  });

  it("throws the caller's error, naming the option and the problem", () => {
    let thrown: unknown;
    try {
      checkNumberOption('fps', Number.NaN, { min: 1, max: 120 }, invalid);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ByteStreamError);
    expect(thrown).toMatchObject({
      code: 'INVALID_OPTION',
      option: 'fps',
      message: 'fps must be a finite number from 1 to 120, got NaN',
    });
  });
});

describe('describeInvalidChoice', () => {
  it('accepts one of the choices and names them all otherwise', () => {
    expect(describeInvalidChoice('pieces', ['contiguous', 'pieces'])).toBeUndefined();
    expect(describeInvalidChoice('copy', ['contiguous', 'pieces'])).toBe(
      "must be 'contiguous' or 'pieces', got 'copy'",
    );
    expect(describeInvalidChoice(undefined, ['a', 'b', 'c'])).toBe("must be 'a', 'b' or 'c', got undefined");
  });
});

describe('ByteStreamError option', () => {
  it('carries the option an INVALID_OPTION error is about', () => {
    const error = new ByteStreamError('INVALID_OPTION', 'fps must be …', undefined, { option: 'fps' });
    expect(error.option).toBe('fps');
    expect(new ByteStreamError('TRUNCATED', 'ended').option).toBeUndefined();
  });
});
