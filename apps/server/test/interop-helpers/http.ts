/** Raw sockets and a cheap stream watcher for the interop tests. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';

/**
 * Writes `request` verbatim on a fresh connection and collects what comes back until the
 * server closes, `maxBytes` arrived, or `timeoutMs` passed (then the socket is destroyed).
 */
export function rawExchange(
  port: number,
  request: string | Uint8Array,
  { maxBytes = 1 << 20, timeoutMs = 5000 }: { maxBytes?: number; timeoutMs?: number } = {},
): Promise<{ bytes: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const finish = (closedByServer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closedByServer });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= maxBytes) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A server that answers and closes at once may reset a request it never read.
      if (chunks.length > 0 || error.code === 'ECONNRESET' || error.code === 'EPIPE') finish(true);
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}

interface RawResponse {
  statusLine: string;
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
}

/** Splits raw response bytes at the first blank line. Throws if the head is incomplete. */
export function splitResponse(bytes: Buffer): RawResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete response head in ${bytes.length} bytes`);
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
  return { statusLine, status, headers, body: bytes.subarray(end + 4) };
}

/** The multipart boundary named in a Content-Type value, without quotes. */
function boundaryOf(contentType: string | undefined): string {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  return boundary;
}

export interface StreamWatcher {
  /** Resolves with the response once its head arrived. */
  response: Promise<IncomingMessage>;
  /** Whole parts so far: delimiters seen after the opening one. */
  frames(): number;
  bytes(): number;
  ended(): boolean;
  close(): void;
}

/**
 * Reads a multipart stream with `node:http` and counts delimiters, without parsing parts:
 * cheap enough to run beside a load and honest about whole parts (the delimiter follows
 * each body at once).
 */
export function watchStream(url: string, headers: Record<string, string> = {}): StreamWatcher {
  let delimiters = 0;
  let bytes = 0;
  let ended = false;
  const req = httpRequest(url, { headers });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      resolve(res);
      if (res.statusCode !== 200) {
        res.resume();
        return;
      }
      const needle = Buffer.from(`--${boundaryOf(res.headers['content-type'])}`, 'latin1');
      let carry = Buffer.alloc(0);
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        let at = joined.indexOf(needle);
        while (at !== -1) {
          delimiters++;
          at = joined.indexOf(needle, at + needle.length);
        }
        carry = Buffer.from(joined.subarray(Math.max(0, joined.length - needle.length + 1)));
      });
      res.on('close', () => {
        ended = true;
      });
    });
    req.on('error', (error) => {
      ended = true;
      reject(error);
    });
  });
  response.catch(() => {});
  req.end();
  return {
    response,
    frames: () => Math.max(0, delimiters - 1),
    bytes: () => bytes,
    ended: () => ended,
    close: () => req.destroy(),
  };
}
