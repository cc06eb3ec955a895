import { decodeLatin1, encodeAscii, hasBytesAt, indexOfBytes } from '@mjpeg-kit/bytes';

/** A part as the in-test splitters see it. */
interface SplitPart {
  headers: [string, string][];
  body: Uint8Array;
}

const HEAD_END = encodeAscii('\r\n\r\n');

/**
 * A deliberately small multipart/x-mixed-replace reader for tests (not boundary-parser):
 * expects `--B\r\n`, then parts of `headers\r\n\r\n body \r\n--B\r\n`, the last tail optionally
 * `\r\n--B--\r\n`. `byLength` takes bodies by Content-Length; otherwise it searches for the
 * delimiter. Throws on any byte out of place.
 */
export function splitMultipart(stream: Uint8Array, boundary: string, byLength: boolean): SplitPart[] {
  const opening = encodeAscii(`--${boundary}\r\n`);
  const delimiter = encodeAscii(`\r\n--${boundary}`);
  if (!hasBytesAt(stream, 0, opening)) throw new Error('stream does not open with --B CRLF');
  const parts: SplitPart[] = [];
  let position = opening.length;
  while (position < stream.length) {
    const headEnd = indexOfBytes(stream, HEAD_END, position);
    // A head of no lines is just the blank line.
    const emptyHead = hasBytesAt(stream, position, encodeAscii('\r\n'));
    const bodyStart = emptyHead ? position + 2 : headEnd + 4;
    if (!emptyHead && headEnd === -1) throw new Error(`no end of head after byte ${position}`);
    const headers: [string, string][] = emptyHead
      ? []
      : decodeLatin1(stream, position, headEnd)
          .split('\r\n')
          .map((line) => {
            const colon = line.indexOf(':');
            if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(line)}`);
            return [line.slice(0, colon), line.slice(colon + 1).trim()] as [string, string];
          });
    let bodyEnd: number;
    if (byLength) {
      const length = headers.find(([name]) => name.toLowerCase() === 'content-length')?.[1];
      if (length === undefined) throw new Error('part without Content-Length');
      bodyEnd = bodyStart + Number(length);
      if (!hasBytesAt(stream, bodyEnd, delimiter))
        throw new Error(`no delimiter after the body at ${bodyEnd}`);
    } else {
      bodyEnd = indexOfBytes(stream, delimiter, bodyStart);
      if (bodyEnd === -1) throw new Error(`no delimiter after byte ${bodyStart}`);
    }
    parts.push({ headers, body: stream.subarray(bodyStart, bodyEnd) });
    position = bodyEnd + delimiter.length;
    if (hasBytesAt(stream, position, encodeAscii('--\r\n'))) {
      if (position + 4 !== stream.length) throw new Error('bytes after the close delimiter');
      break;
    }
    if (!hasBytesAt(stream, position, encodeAscii('\r\n')))
      throw new Error(`no CRLF after delimiter at ${position}`);
    position += 2;
  }
  return parts;
}
