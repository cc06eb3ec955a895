import { Buffer } from 'node:buffer';
import { type FileHandle, open, stat } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

/** Content types of the files a web build holds. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Bytes read before the response head is written: a file that cannot be read gets an error status. */
const FIRST_READ_BYTES = 64 * 1024;

/** Errors that mean "no such file here": answered 404 (or handed on), not 500. */
const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG']);

/** A file of a web root, found for a request path. */
export interface StaticFile {
  /** Absolute path on disk. */
  readonly path: string;
  /** The decoded request path, `/` completed to `/index.html`. */
  readonly relative: string;
}

/**
 * The file of `root` for `pathname` (`/` is `index.html`), or `undefined` when the path is
 * outside `root` (after decoding and normalising), names no file, or names a directory.
 *
 * @throws the file system's error when the file's presence cannot be known (EACCES, EIO, ELOOP).
 */
export async function findStaticFile(root: string, pathname: string): Promise<StaticFile | undefined> {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (relative.includes('\0')) return undefined;
  if (relative.endsWith('/')) relative += 'index.html';
  const base = resolve(root);
  const path = resolve(join(base, normalize(relative)));
  if (path !== base && !path.startsWith(base + sep)) return undefined;
  try {
    return (await stat(path)).isFile() ? { path, relative } : undefined;
  } catch (error) {
    if (ABSENT_CODES.has((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

/**
 * Sends a found file. Its first bytes are read before the head is written, so a file that
 * cannot be opened or read rejects with nothing sent (the caller answers 500); a read that
 * fails later cuts the response (its length was promised) and rejects too.
 */
export async function sendStaticFile(
  file: StaticFile,
  req: IncomingMessage,
  res: ServerResponse,
  headers: OutgoingHttpHeaders,
): Promise<void> {
  const handle = await open(file.path, 'r');
  let streaming = false;
  try {
    const { size } = await handle.stat();
    const first = Buffer.allocUnsafe(Math.min(size, FIRST_READ_BYTES));
    const { bytesRead } = first.length > 0 ? await handle.read(first, 0, first.length, 0) : { bytesRead: 0 };
    if (res.destroyed) return; // the client left while the file was read
    const type = CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
    const head: OutgoingHttpHeaders = {
      ...headers,
      'Content-Type': type,
      'Content-Length': size,
      // Hashed asset names (Vite's /assets/x-1a2b3c.js) never change; the page itself may.
      'Cache-Control': file.relative.startsWith('/assets/')
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
    };
    // A page's URL may carry ?key=: no other origin may see it in a Referer.
    if (type.startsWith('text/html')) head['Referrer-Policy'] = 'same-origin';
    res.writeHead(200, head);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (bytesRead >= size) {
      res.end(first.subarray(0, bytesRead));
      return;
    }
    res.write(first.subarray(0, bytesRead));
    streaming = true;
    await pipeRest(handle, bytesRead, res);
  } finally {
    if (!streaming) await handle.close();
  }
}

/** Streams the file from `start` on; the stream closes the handle. */
function pipeRest(handle: FileHandle, start: number, res: ServerResponse): Promise<void> {
  return new Promise((done, fail) => {
    const stream = handle.createReadStream({ start });
    stream.once('error', (error) => {
      res.destroy();
      fail(error);
    });
    stream.once('end', () => done());
    res.once('close', () => {
      stream.destroy();
      done();
    });
    stream.pipe(res);
  });
}
