import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SERVER_CLI = fileURLToPath(new URL('../../../server/dist/cli.js', import.meta.url));
export const WEB_DIST_INDEX = fileURLToPath(new URL('../../dist/index.html', import.meta.url));

/**
 * What an end-to-end suite needs. Absent locally, the suite is skipped with the reason in its
 * name; absent under CI (process.env.CI set), it runs and fails, so a broken image is never green.
 */
export function requirements(needs: Record<string, string>): {
  skip: boolean;
  reason: string;
  check(): void;
} {
  const missing = Object.entries(needs)
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

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}
