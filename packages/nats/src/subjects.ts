import { NatsError } from './errors.js';
import { isValidSubject } from './url.js';

/** The subjects of one camera under `base` (`<prefix>.<camera>`). */
export function cameraSubjects(base: string): { video: string; audio: string; latest: string } {
  return { video: `${base}.video`, audio: `${base}.audio`, latest: `${base}.latest` };
}

export function checkSubject(value: unknown, name: string, singleToken = false): string {
  if (typeof value !== 'string' || !isValidSubject(value) || (singleToken && value.includes('.'))) {
    throw new NatsError(
      'INVALID_OPTION',
      `${name}: expected ${singleToken ? 'one subject token' : 'a NATS subject'} (no spaces, no "*" or ">", no empty tokens)`,
    );
  }
  return value;
}

export function checkPositiveInt(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new NatsError('INVALID_OPTION', `${name}: expected an integer from ${min} to ${max}`);
  }
  return value;
}
