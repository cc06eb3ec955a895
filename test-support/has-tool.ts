/**
 * Whether an external tool is installed, without any test framework: the test gates in
 * `tools.ts` and the bench prerequisite checks in bench-support both ask here, so a tool counts
 * as present in exactly the same cases for both.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const found = new Map<string, boolean>();

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `command` is installed: an executable at that path, or a name found on PATH. Cached. */
export function hasTool(command: string): boolean {
  let present = found.get(command);
  if (present === undefined) {
    present = command.includes('/')
      ? isExecutable(command)
      : (process.env.PATH ?? '')
          .split(delimiter)
          .some((dir) => dir !== '' && isExecutable(join(dir, command)));
    found.set(command, present);
  }
  return present;
}
