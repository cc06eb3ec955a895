import { spawnSync } from 'node:child_process';

/**
 * Whether a system tool runs. Under CI a missing tool is a failure, not a skip: this
 * throws, so the suite fails with the reason.
 */
export function hasTool(command: string, args: string[] = ['-version']): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
  const present = result.error === undefined && result.status === 0;
  if (!present && process.env.CI) {
    throw new Error(`${command} is required under CI (install it: apt-get install ${command})`);
  }
  return present;
}
