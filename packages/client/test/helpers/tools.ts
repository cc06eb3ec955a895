import { spawnSync } from 'node:child_process';

/** Whether an external tool is installed, and how a test suite that needs it behaves without it. */
export interface Tool {
  name: string;
  present: boolean;
  /** Skip when absent, except under CI, where the suite runs and `assertPresent` fails it. */
  skip: boolean;
  /** Appended to a suite name: says why it was skipped. */
  label: string;
  /** Throws under CI when the tool is missing (call it in `beforeAll`). */
  assertPresent(): void;
}

/** Looks `name` up on PATH once. */
export function findTool(name: string): Tool {
  const present = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
  const ci = Boolean(process.env.CI);
  return {
    name,
    present,
    skip: !present && !ci,
    label: present ? '' : ` (skipped: ${name} is not installed)`,
    assertPresent() {
      if (!present) throw new Error(`${name} is required under CI but is not installed`);
    },
  };
}
