/**
 * External tools the test suites drive (ffmpeg, curl, socat, djpeg, Chromium …). A missing tool
 * skips its tests with the reason in their name; under CI (`process.env.CI` set) the tests run and
 * fail instead, because CI installs every tool and a silent skip there would hide a regression.
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { hasTool } from './has-tool.js';

export { hasTool } from './has-tool.js';

/**
 * A describe block that needs `command`: skipped, with the reason in its name, when the tool is
 * missing; under CI a missing tool is a failing test instead.
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

/**
 * For `it.skipIf` / `describe.skipIf`: `true` when `command` is missing outside CI. Under CI a
 * missing tool throws at collection, so the suite fails with the reason.
 */
export function skipWithout(command: string): boolean {
  if (hasTool(command)) return false;
  if (process.env.CI) {
    throw new Error(`${command} is required under CI (install it: apt-get install ${command})`);
  }
  return true;
}

/** Test title suffix naming the tool a test needs. */
export function needs(command: string): string {
  return `(needs ${command}; skipped when absent outside CI)`;
}

/** Whether an external tool is installed, and how a test suite that needs it behaves without it. */
interface Tool {
  name: string;
  present: boolean;
  /** Skip when absent, except under CI, where the suite runs and `assertPresent` fails it. */
  skip: boolean;
  /** Appended to a suite name: says why it was skipped. */
  label: string;
  /** Throws under CI when the tool is missing (call it in `beforeAll`). */
  assertPresent(): void;
}

/** Looks `name` up on PATH once and returns its skip/fail gate. */
export function findTool(name: string): Tool {
  return toolGate(name, hasTool(name));
}

/**
 * The skip/fail gate of a tool whose presence takes more than a PATH lookup (GStreamer with
 * given plugins, a tool at one of several paths): `name` says what is needed, in the skip reason
 * and in the CI failure.
 */
export function toolGate(name: string, present: boolean): Tool {
  return {
    name,
    present,
    skip: !present && !process.env.CI,
    label: present ? '' : ` (skipped: ${name} is not installed)`,
    assertPresent() {
      if (!present) throw new Error(`${name} is required under CI but is not installed`);
    },
  };
}

/**
 * What a suite needs on disk (tools, built apps), by description → path. Absent locally, the suite
 * is skipped with `reason` in its name; absent under CI it runs and `check()` fails it.
 */
export function requirements(needed: Record<string, string>): {
  skip: boolean;
  reason: string;
  check(): void;
} {
  const missing = Object.entries(needed)
    .filter(([, path]) => !existsSync(path))
    .map(([what, path]) => `${what} (${path})`);
  const reason = missing.length === 0 ? '' : ` [skipped: missing ${missing.join(', ')}]`;
  return {
    skip: missing.length > 0 && !process.env.CI,
    reason,
    check() {
      if (missing.length > 0)
        throw new Error(`CI requires ${missing.join(', ')}; build with npx turbo run build`);
    },
  };
}
