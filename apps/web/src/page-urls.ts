/**
 * URLs of the camera data the page reads (`av`, `stream`, `snapshot.jpg`, `state`, …), built
 * relative to the page itself so they stay under whatever path a reverse proxy mounts it at
 * (`/cam/` → `/cam/av`), and carrying the page's own `?key=` so a server started with `--key`
 * admits them. The key only ever goes to the page's own origin.
 */

/** The query parameter mjpeg-kit-server's `--key` checks. */
export const KEY_PARAM = 'key';

/**
 * `path` (relative, e.g. `'av'` or `'stream?fps=5'`) resolved against the page URL, with the
 * page's `key` parameter copied onto it when the page has one and `path` names none.
 *
 * @example
 * ```ts
 * buildDataUrl('av', 'https://example.net/cam/?key=s3cret'); // 'https://example.net/cam/av?key=s3cret'
 * ```
 */
export function buildDataUrl(path: string, pageUrl: string | URL): string {
  return withPageKey(new URL(path, pageUrl), pageUrl);
}

/**
 * A stream URL a user typed or passed as `?url=`, resolved against the page (so `stream` and
 * `/cam/stream` work), with the page's key added only when it points at the page's own
 * origin and has no key of its own. A URL on another origin is returned as given, never
 * with the key.
 *
 * @throws TypeError when `input` is not a URL even relative to the page.
 */
export function resolveStreamUrl(input: string, pageUrl: string | URL): string {
  return withPageKey(new URL(input, pageUrl), pageUrl);
}

function withPageKey(target: URL, pageUrl: string | URL): string {
  const page = new URL(pageUrl);
  const key = page.searchParams.get(KEY_PARAM);
  if (key !== null && target.origin === page.origin && !target.searchParams.has(KEY_PARAM)) {
    target.searchParams.set(KEY_PARAM, key);
  }
  return target.href;
}
