import { spawnSync } from 'node:child_process';

/**
 * Whether a system tool runs. Tests that need one skip with the reason in their name
 * when it is absent, except under CI, where CI installs the tools and a missing one
 * must fail the suite instead of silently skipping.
 */
export function hasTool(command: string, args: readonly string[] = ['-version']): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
  return result.error === undefined && result.status !== null;
}

/** `true` when the test must be skipped: the tool is absent and we are not under CI. */
export function skipWithout(command: string, args?: readonly string[]): boolean {
  if (hasTool(command, args)) return false;
  if (process.env.CI) {
    throw new Error(`${command} is required under CI (install it: apt-get install ${command})`);
  }
  return true;
}

/** Test title suffix naming the tool a test needs. */
export function needs(command: string): string {
  return `(needs ${command}; skipped when absent outside CI)`;
}
