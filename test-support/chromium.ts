import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which every browser test and bench drives (never a downloaded browser). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The repository's Chromium flags: headless, no sandbox (containers), no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches Debian's Chromium with `CHROMIUM_ARGS` plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
