/** GStreamer plugin lookup for the interop gates (the gates themselves are test-support/tools.ts). */
import { spawnSync } from 'node:child_process';
import { hasTool } from '../../../../test-support/tools.js';

/** Whether a GStreamer element exists (`gst-inspect-1.0 NAME` exits 0). */
export function hasGstElement(name: string): boolean {
  if (!hasTool('gst-inspect-1.0')) return false;
  const result = spawnSync('gst-inspect-1.0', [name], { stdio: 'ignore', timeout: 15_000 });
  return result.status === 0;
}
