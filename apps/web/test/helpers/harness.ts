// Paths and polling shared by the e2e suite; tool detection and Chromium live in /test-support.
import { fileURLToPath } from 'node:url';

export const SERVER_CLI = fileURLToPath(new URL('../../../server/dist/cli.js', import.meta.url));
export const WEB_DIST_INDEX = fileURLToPath(new URL('../../dist/index.html', import.meta.url));

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
