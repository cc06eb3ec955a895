import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

const found = new Map<string, boolean>();

/** Whether `command` is installed: an absolute path that exists, or a name found on PATH. */
export function hasTool(command: string): boolean {
  let present = found.get(command);
  if (present === undefined) {
    present = command.startsWith('/')
      ? existsSync(command)
      : (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
    found.set(command, present);
  }
  return present;
}

/**
 * A describe block that needs `command`: skipped, with the reason in its name, when the tool is
 * missing; under CI (process.env.CI set) a missing tool is a failing test instead.
 */
export function describeWithTool(command: string, title: string, body: () => void): void {
  if (hasTool(command)) {
    describe(title, body);
  } else if (process.env.CI) {
    describe(title, () => {
      it(`needs ${command}, which CI must install`, () => {
        throw new Error(`${command} is not installed; CI must provide it`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${command} is not installed)`, body);
  }
}

/** The system Chromium the interop tests drive (never a downloaded browser). */
export const CHROMIUM = '/usr/bin/chromium';
