import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace package whose Vite build (`dist/`) is the player page in the monorepo. */
export const WEB_PACKAGE_NAME = '@mjpeg-kit/web';

/** A `--web-root` directory that cannot serve the page. */
export class WebRootError extends Error {
  override name = 'WebRootError';
  readonly code = 'NO_INDEX_HTML';
}

/** Where {@link resolveWebRoot} looks. */
export interface WebRootOptions {
  /** `--web-root DIR`: used as given (checked by {@link checkWebRoot}), nothing else is tried. */
  webRoot?: string;
  /** A folder inside this app's package, where the search for its `package.json` starts. Default: this module's folder (`dist/`). */
  from?: string;
}

/**
 * Where the player page lives:
 * 1. `webRoot` (`--web-root DIR`) when given;
 * 2. `web/` inside this app's own package (the copy `prepack` ships in the published package);
 * 3. in the monorepo, the `dist/` of the workspace package named `@mjpeg-kit/web`, found by
 *    Node's package resolution from this app's package and accepted only when its
 *    `package.json` carries that name.
 *
 * Never a guess about neighbouring folders: in an install, `node_modules/web` beside this
 * package is some unrelated package. `undefined` when nothing is found: the server then
 * answers `/` with its built-in page.
 *
 * @throws WebRootError (`NO_INDEX_HTML`) when `webRoot` has no `index.html`.
 */
export function resolveWebRoot(options: WebRootOptions = {}): string | undefined {
  if (options.webRoot !== undefined) return checkWebRoot(options.webRoot);
  const packageDir = findOwnPackageDir(options.from ?? dirname(fileURLToPath(import.meta.url)));
  if (packageDir === undefined) return undefined;
  const shipped = join(packageDir, 'web');
  if (hasIndexHtml(shipped)) return shipped;
  const workspace = findWebPackageDir(packageDir);
  if (workspace !== undefined && hasIndexHtml(join(workspace, 'dist'))) return join(workspace, 'dist');
  return undefined;
}

/**
 * `dir` as an absolute path, once it is known to hold an `index.html`.
 *
 * @throws WebRootError (`NO_INDEX_HTML`) when it does not.
 */
export function checkWebRoot(dir: string): string {
  const absolute = resolve(dir);
  if (!hasIndexHtml(absolute)) {
    throw new WebRootError(
      `--web-root ${dir} has no index.html (looked for ${join(absolute, 'index.html')}); point it at a built page, e.g. apps/web/dist`,
    );
  }
  return absolute;
}

function hasIndexHtml(dir: string): boolean {
  try {
    return statSync(join(dir, 'index.html')).isFile();
  } catch {
    return false;
  }
}

/** The nearest folder at or above `from` with a `package.json`: this app's own package. */
function findOwnPackageDir(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function findWebPackageDir(packageDir: string): string | undefined {
  let manifestPath: string;
  try {
    manifestPath = createRequire(join(packageDir, 'package.json')).resolve(
      `${WEB_PACKAGE_NAME}/package.json`,
    );
  } catch {
    return undefined;
  }
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name?: unknown };
    return manifest.name === WEB_PACKAGE_NAME ? dirname(manifestPath) : undefined;
  } catch {
    return undefined;
  }
}
