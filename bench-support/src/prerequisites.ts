import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { hasTool } from '../../test-support/has-tool.js';
import { BenchSetupError } from './errors.js';

/** Something a bench needs before it starts: a tool, a built app, a machine property. */
export interface Prerequisite {
  /** What is needed, as the message names it: `ffmpeg`, `apps/server/dist/cli.js`, `2 cores`. */
  name: string;
  /** Which bench needs it, and for what. */
  neededBy: string;
  /** How to get it. */
  fix: string;
  /** Whether it is present. */
  isPresent(): boolean | Promise<boolean>;
}

/** An executable on PATH (or at an absolute path), checked the way the test suites gate tools. */
export function toolPrerequisite(
  command: string,
  neededBy: string,
  fix = `apt-get install ${command}`,
): Prerequisite {
  return {
    name: command,
    neededBy,
    fix,
    isPresent: () => hasTool(command),
  };
}

/** A file a build makes (a CLI, a web page). */
export function filePrerequisite(path: string, neededBy: string, fix: string): Prerequisite {
  return { name: path, neededBy, fix, isPresent: () => existsSync(path) };
}

/** At least `count` cores this process may run on (benches that pin processes to cores 0 and 1). */
export function coresPrerequisite(count: number, neededBy: string): Prerequisite {
  return {
    name: `${count} cores`,
    neededBy,
    fix: `run on a machine with ${count} or more cores (this one offers ${availableParallelism()})`,
    isPresent: () => availableParallelism() >= count,
  };
}

/** The prerequisites that are missing, in the order given. */
export async function findMissingPrerequisites(list: readonly Prerequisite[]): Promise<Prerequisite[]> {
  const missing: Prerequisite[] = [];
  for (const prerequisite of list) if (!(await prerequisite.isPresent())) missing.push(prerequisite);
  return missing;
}

/** One line per prerequisite: present or missing, who needs it, and the fix for a missing one. */
export function formatPrerequisites(list: readonly Prerequisite[], missing: readonly Prerequisite[]): string {
  return list
    .map((p) =>
      missing.includes(p)
        ? `  ✗ ${p.name}: needed by ${p.neededBy}; ${p.fix}`
        : `  ✓ ${p.name} (${p.neededBy})`,
    )
    .join('\n');
}

/**
 * Checks `list` and returns when everything is present.
 *
 * @throws BenchSetupError (`MISSING_PREREQUISITE`) naming every missing one, who needs it and how
 *   to get it.
 */
export async function requirePrerequisites(list: readonly Prerequisite[]): Promise<void> {
  const missing = await findMissingPrerequisites(list);
  if (missing.length === 0) return;
  throw new BenchSetupError(
    'MISSING_PREREQUISITE',
    `missing what the bench needs:\n${formatPrerequisites(missing, missing)}`,
  );
}
