import {
  getBoundary,
  MultipartParser,
  type MultipartParserOptions,
  type Part,
} from '@mjpeg-kit/boundary-parser';
import { concatBytes, type MediaPacket, nowMs, type PartHeaders, parseTimestamp } from '@mjpeg-kit/bytes';
import { JpegScanner, type JpegScannerOptions } from '@mjpeg-kit/jpeg-scanner';
import { type BodyFormat, detectBodyFormat, parseMediaType } from './detect.js';

/** Options of {@link MediaDemuxer}. */
export interface MediaDemuxerOptions {
  /** The response's `Content-Type`; a multipart one declares the boundary. */
  contentType?: string | null;
  /** A boundary named out of band: mjpeg-kit's `X-Boundary` on `?raw=1`. Wins over `contentType`. */
  boundary?: string | null;
  /** Passed to the boundary parser (`maxHeaderBytes`, `maxPartBytes`, …). */
  multipart?: MultipartParserOptions;
  /** Passed to the JPEG scanner (its frame size limit, …). */
  scanner?: JpegScannerOptions;
}

/** What the demuxer tolerated, on top of the parsers' own `stats`. */
export interface MediaDemuxerStats {
  /** Multipart parts read. */
  parts: number;
  /** Parts whose body did not start with a JPEG SOI and were cut with the scanner (garbled headers). */
  rescannedParts: number;
  /** Parts skipped: a media type that is neither JPEG nor audio, or no frame inside. */
  skippedParts: number;
  /** Multipart errors that switched this body over to the JPEG scanner. */
  parserErrors: number;
  /** A truncated last part dropped at the end of the body. */
  truncatedParts: number;
}

const AUDIO_L16 = 'audio/l16';
const AUDIO_PCMU = ['audio/pcmu', 'audio/basic'];
const JPEG_TYPES = ['image/jpeg', 'image/jpg', 'image/pjpeg', 'application/octet-stream', ''];
const G711_RATE_HZ = 8000;

/**
 * The isomorphic heart of the client: body bytes in, {@link MediaPacket}s out, with the
 * reading strategy chosen by what arrives (see `detectBodyFormat`). A multipart stream is
 * read with the boundary parser; if it turns out garbled (a parser error), the rest of the
 * body is cut with the JPEG scanner; a part whose headers were lost is cut with the
 * scanner too. Packets are returned by the `push` that completes them.
 *
 * Bodies are views into the pushed chunks when a packet lies inside one chunk; keep the
 * chunks unmodified (fetch never reuses them).
 */
export class MediaDemuxer {
  readonly stats: MediaDemuxerStats = {
    parts: 0,
    rescannedParts: 0,
    skippedParts: 0,
    parserErrors: 0,
    truncatedParts: 0,
  };
  /** The last multipart error that made this body switch to the scanner. */
  lastParserError: unknown;
  readonly #declaredBoundary: string | undefined;
  readonly #options: MediaDemuxerOptions;
  #format: BodyFormat | undefined;
  #sniffed: Uint8Array[] = [];
  #sniffedBytes = 0;
  #multipart: MultipartParser | undefined;
  #scanner: JpegScanner | undefined;

  constructor(options: MediaDemuxerOptions = {}) {
    this.#options = options;
    this.#declaredBoundary = declaredBoundary(options);
  }

  /** `'multipart'` or `'jpeg-scan'` once decided (after the first few bytes), else `undefined`. */
  get parser(): BodyFormat['parser'] | undefined {
    if (this.#scanner !== undefined) return 'jpeg-scan';
    return this.#format?.parser;
  }

  /** The boundary in use, when reading multipart. */
  get boundary(): string | undefined {
    return this.#format?.parser === 'multipart' && this.#scanner === undefined
      ? this.#format.boundary
      : undefined;
  }

  /** The boundary parser's own stats (tolerated dialects), when it ran. */
  get multipartStats(): MultipartParser['stats'] | undefined {
    return this.#multipart?.stats;
  }

  /** The JPEG scanner's stats (`frames`, `skippedBytes`, `droppedFrames`), when it ran. */
  get scannerStats(): JpegScanner['stats'] | undefined {
    return this.#scanner?.stats;
  }

  /** Feeds body bytes; returns the packets they completed. */
  push(chunk: Uint8Array): MediaPacket[] {
    if (chunk.length === 0) return [];
    if (this.#format === undefined) {
      this.#sniffed.push(chunk);
      this.#sniffedBytes += chunk.length;
      const head = this.#sniffed.length === 1 ? chunk : concatBytes(this.#sniffed, this.#sniffedBytes);
      if (this.#sniffed.length > 1) this.#sniffed = [head];
      const format = detectBodyFormat(head, this.#declaredBoundary);
      if (format === undefined) return [];
      return this.#start(format, head);
    }
    return this.#feed(chunk);
  }

  /** The body ended: returns what the end completes; an unfinished frame or part is dropped and counted. */
  end(): MediaPacket[] {
    const out: MediaPacket[] = [];
    if (this.#format === undefined) {
      if (this.#sniffedBytes === 0) return out;
      const head = concatBytes(this.#sniffed, this.#sniffedBytes);
      out.push(...this.#start(detectBodyFormat(head, this.#declaredBoundary, true)!, head));
    }
    if (this.#scanner !== undefined) {
      // A segment length that lied can hide whole frames until the end.
      for (const frame of this.#scanner.end()) out.push(jpegPacket(frame));
    } else if (this.#multipart !== undefined) {
      let parts: Part[] = [];
      try {
        parts = this.#multipart.end();
      } catch {
        this.stats.truncatedParts++;
      }
      for (const part of parts) this.#fromPart(part, out);
    }
    return out;
  }

  #start(format: BodyFormat, head: Uint8Array): MediaPacket[] {
    this.#format = format;
    this.#sniffed = [];
    if (format.parser === 'multipart')
      this.#multipart = new MultipartParser(format.boundary, this.#options.multipart);
    else this.#scanner = new JpegScanner(this.#options.scanner);
    return this.#feed(head);
  }

  #feed(chunk: Uint8Array): MediaPacket[] {
    const out: MediaPacket[] = [];
    if (this.#scanner !== undefined) {
      for (const frame of this.#scanner.push(chunk)) out.push(jpegPacket(frame));
      return out;
    }
    let parts: Part[];
    try {
      parts = this.#multipart!.write(chunk);
    } catch (error) {
      // Garbled part headers or a part past its limit: cut JPEG frames from here on.
      this.stats.parserErrors++;
      this.lastParserError = error;
      this.#scanner = new JpegScanner(this.#options.scanner);
      return this.#feed(chunk);
    }
    for (const part of parts) this.#fromPart(part, out);
    return out;
  }

  #fromPart(part: Part, out: MediaPacket[]): void {
    this.stats.parts++;
    const { type, params } = parseMediaType(part.contentType ?? part.headers.get('content-type'));
    const headers = part.headers;
    if (type === AUDIO_L16 || AUDIO_PCMU.includes(type)) {
      const pcmu = type !== AUDIO_L16;
      out.push({
        type: pcmu ? 'audio/PCMU' : 'audio/L16',
        body: part.body,
        timestamp: partTimestamp(headers),
        ...seqOf(headers),
        sampleRate: positiveInt(params.get('rate')) ?? G711_RATE_HZ,
        channels: positiveInt(params.get('channels')) ?? 1,
        headers,
      });
      return;
    }
    if (!JPEG_TYPES.includes(type) && !type.startsWith('image/')) {
      this.stats.skippedParts++;
      return;
    }
    const body = part.body;
    if (body.length >= 2 && body[0] === 0xff && body[1] === 0xd8) {
      out.push({ type: 'image/jpeg', body, timestamp: partTimestamp(headers), ...seqOf(headers), headers });
      return;
    }
    // Headers lost or garbled into the body: find the frame inside it.
    const scanner = new JpegScanner(this.#options.scanner);
    const frames = [...scanner.push(body), ...scanner.end()];
    if (frames.length === 0) {
      this.stats.skippedParts++;
      return;
    }
    this.stats.rescannedParts++;
    for (const frame of frames) {
      out.push({
        type: 'image/jpeg',
        body: frame,
        timestamp: partTimestamp(headers),
        ...seqOf(headers),
        headers,
      });
    }
  }
}

function declaredBoundary(options: MediaDemuxerOptions): string | undefined {
  const named = options.boundary?.trim();
  if (named) return named;
  const contentType = options.contentType;
  if (contentType == null || !/boundary/i.test(contentType)) return undefined;
  try {
    return getBoundary(contentType);
  } catch {
    return undefined;
  }
}

function jpegPacket(frame: Uint8Array): MediaPacket {
  return { type: 'image/jpeg', body: frame, timestamp: nowMs() };
}

function partTimestamp(headers: PartHeaders): number {
  return parseTimestamp(headers.get('x-timestamp')) ?? nowMs();
}

function seqOf(headers: PartHeaders): { seq?: number } {
  const seq = headers.get('x-frame-seq');
  if (seq === null) return {};
  const value = Number.parseInt(seq, 10);
  return Number.isSafeInteger(value) && value >= 0 ? { seq: value } : {};
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number.parseInt(text, 10);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
