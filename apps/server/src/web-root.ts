import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the player page lives, looked up at run time from this file's folder (`dist/`):
 * first `../web` (a copy shipped inside the published package), then the monorepo's
 * `../../web/dist` (apps/web's Vite build). `undefined` when neither has an `index.html`:
 * the server then answers `/` with its built-in page.
 */
export function resolveWebRoot(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (const candidate of [join(from, '..', 'web'), join(from, '..', '..', 'web', 'dist')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}
