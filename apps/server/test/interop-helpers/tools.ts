/**
 * Third-party tools the interop tests drive. A missing tool skips its test with the reason
 * in the test's name; under CI (`process.env.CI`) the test runs anyway and fails, because
 * CI installs every tool and a silent skip there would hide a regression.
 */
import { spawnSync } from 'node:child_process';

export const CI = Boolean(process.env.CI);

import { hasTool } from '../../../../test-support/tools.js';

/** Whether `command` is an executable on PATH (or an absolute path to one). */
export const hasCommand = hasTool;

/** Whether a GStreamer element exists (`gst-inspect-1.0 NAME` exits 0). */
export function hasGstElement(name: string): boolean {
  if (!hasCommand('gst-inspect-1.0')) return false;
  const result = spawnSync('gst-inspect-1.0', [name], { stdio: 'ignore', timeout: 15_000 });
  return result.status === 0;
}

export interface ToolGate {
  /** Skip the test: the tool is missing and this is not CI. */
  skip: boolean;
  /** Appended to the test name: the reason when the tool is missing. */
  note: string;
  /** Call first inside the test: throws under CI when the tool is missing. */
  require(): void;
}

/** `available` decides; `what` names the missing piece in the skip reason and the CI failure. */
export function toolGate(what: string, available: boolean): ToolGate {
  return {
    skip: !available && !CI,
    note: available ? '' : ` (skipped: ${what} is not installed)`,
    require() {
      if (!available) throw new Error(`${what} is required under CI but is not installed`);
    },
  };
}
