import {
  type BodyForm,
  getBoundary,
  MultipartParser,
  type MultipartParserOptions,
  type PartOf,
} from '@mjpeg-kit/boundary-parser';
import {
  concatBytes,
  describeInvalidChoice,
  type MediaPacket,
  nowMs,
  type PacketBodyForm,
  type PacketOf,
  type PartHeaders,
  type PiecesMediaPacket,
  parseTimestamp,
} from '@mjpeg-kit/bytes';
import { type FrameOf, JpegScanner, type JpegScannerOptions } from '@mjpeg-kit/jpeg-scanner';
import { type BodyFormat, detectBodyFormat, parseMediaType } from './detect.js';

/** Options of {@link MediaDemuxer}. */
export interface MediaDemuxerOptions<B extends PacketBodyForm = 'contiguous'> {
  /**
   * `'contiguous'` (default): each packet's `body` is one `Uint8Array` (a view when the packet
   * lies inside one chunk, else an exact copy). `'pieces'`: packets carry `pieces`, views of
   * the pushed chunks that are never copied, and `bodyLength` (a `PiecesMediaPacket`).
   */
  bodies?: B;
  /** The response's `Content-Type`; a multipart one declares the boundary. */
  contentType?: string | null;
  /** A boundary named out of band: mjpeg-kit's `X-Boundary` on `?raw=1`. Wins over `contentType`. */
  boundary?: string | null;
  /** Passed to the boundary parser (`maxHeaderBytes`, `maxPartBytes`, …). */
  multipart?: Omit<MultipartParserOptions, 'bodies'>;
  /** Passed to the JPEG scanner (its frame size limit, …). */
  scanner?: Omit<JpegScannerOptions, 'frames'>;
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
 * chunks unmodified (fetch never reuses them). With `{ bodies: 'pieces' }` nothing is ever
 * copied: every packet (audio too) carries `pieces`, views of the pushed chunks, valid as
 * long as those chunks are not reused or modified; `B` types the packets accordingly.
 */
export class MediaDemuxer<B extends PacketBodyForm = 'contiguous'> {
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
  readonly #options: MediaDemuxerOptions<B>;
  readonly #form: PacketBodyForm;
  #format: BodyFormat | undefined;
  #sniffed: Uint8Array[] = [];
  #sniffedBytes = 0;
  #multipart: MultipartParser<BodyForm> | undefined;
  #scanner: JpegScanner<BodyForm> | undefined;

  /** @throws {RangeError} when `bodies` is neither `'contiguous'` nor `'pieces'`. */
  constructor(options: MediaDemuxerOptions<B> = {}) {
    this.#options = options;
    this.#form = readBodyForm(options.bodies);
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
  get multipartStats(): MultipartParser<BodyForm>['stats'] | undefined {
    return this.#multipart?.stats;
  }

  /** The JPEG scanner's stats (`frames`, `skippedBytes`, `droppedFrames`), when it ran. */
  get scannerStats(): JpegScanner<BodyForm>['stats'] | undefined {
    return this.#scanner?.stats;
  }

  /** Feeds body bytes; returns the packets they completed. */
  push(chunk: Uint8Array): PacketOf<B>[] {
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
  end(): PacketOf<B>[] {
    const out: PacketOf<B>[] = [];
    if (this.#format === undefined) {
      if (this.#sniffedBytes === 0) return out;
      const head = concatBytes(this.#sniffed, this.#sniffedBytes);
      out.push(...this.#start(detectBodyFormat(head, this.#declaredBoundary, true)!, head));
    }
    if (this.#scanner !== undefined) {
      // A segment length that lied can hide whole frames until the end.
      for (const frame of this.#scanner.end()) out.push(this.#jpegPacket(frame));
    } else if (this.#multipart !== undefined) {
      let parts: PartOf<BodyForm>[] = [];
      try {
        parts = this.#multipart.end();
      } catch {
        this.stats.truncatedParts++;
      }
      for (const part of parts) this.#fromPart(part, out);
    }
    return out;
  }

  #start(format: BodyFormat, head: Uint8Array): PacketOf<B>[] {
    this.#format = format;
    this.#sniffed = [];
    if (format.parser === 'multipart')
      this.#multipart = new MultipartParser(format.boundary, {
        ...this.#options.multipart,
        bodies: this.#form,
      });
    else this.#scanner = this.#newScanner();
    return this.#feed(head);
  }

  #newScanner(): JpegScanner<BodyForm> {
    return new JpegScanner({ ...this.#options.scanner, frames: this.#form });
  }

  #feed(chunk: Uint8Array): PacketOf<B>[] {
    const out: PacketOf<B>[] = [];
    if (this.#scanner !== undefined) {
      for (const frame of this.#scanner.push(chunk)) out.push(this.#jpegPacket(frame));
      return out;
    }
    let parts: PartOf<BodyForm>[];
    try {
      parts = this.#multipart!.write(chunk);
    } catch (error) {
      // Garbled part headers or a part past its limit: cut JPEG frames from here on.
      this.stats.parserErrors++;
      this.lastParserError = error;
      this.#scanner = this.#newScanner();
      return this.#feed(chunk);
    }
    for (const part of parts) this.#fromPart(part, out);
    return out;
  }

  #fromPart(part: PartOf<BodyForm>, out: PacketOf<B>[]): void {
    this.stats.parts++;
    const { type, params } = parseMediaType(part.contentType ?? part.headers.get('content-type'));
    const headers = part.headers;
    const body = 'pieces' in part ? part.pieces : part.body;
    if (type === AUDIO_L16 || AUDIO_PCMU.includes(type)) {
      const pcmu = type !== AUDIO_L16;
      out.push(
        this.#packet(
          {
            type: pcmu ? 'audio/PCMU' : 'audio/L16',
            timestamp: partTimestamp(headers),
            ...seqOf(headers),
            sampleRate: positiveInt(params.get('rate')) ?? G711_RATE_HZ,
            channels: positiveInt(params.get('channels')) ?? 1,
            headers,
          },
          body,
        ),
      );
      return;
    }
    if (!JPEG_TYPES.includes(type) && !type.startsWith('image/')) {
      this.stats.skippedParts++;
      return;
    }
    if (startsWithSoi(body)) {
      out.push(
        this.#packet(
          { type: 'image/jpeg', timestamp: partTimestamp(headers), ...seqOf(headers), headers },
          body,
        ),
      );
      return;
    }
    // Headers lost or garbled into the body: find the frame inside it.
    const scanner = this.#newScanner();
    const frames: FrameOf<BodyForm>[] = [];
    for (const piece of Array.isArray(body) ? body : [body]) frames.push(...scanner.push(piece));
    frames.push(...scanner.end());
    if (frames.length === 0) {
      this.stats.skippedParts++;
      return;
    }
    this.stats.rescannedParts++;
    for (const frame of frames) {
      out.push(
        this.#packet(
          { type: 'image/jpeg', timestamp: partTimestamp(headers), ...seqOf(headers), headers },
          frame,
        ),
      );
    }
  }

  #jpegPacket(frame: FrameOf<BodyForm>): PacketOf<B> {
    return this.#packet({ type: 'image/jpeg', timestamp: nowMs() }, frame);
  }

  /** The packet in this demuxer's body form: `body`, or `pieces` and `bodyLength`. */
  #packet(fields: Omit<MediaPacket, 'body'>, body: Uint8Array | Uint8Array[]): PacketOf<B> {
    if (this.#form === 'contiguous') return { ...fields, body: body as Uint8Array } as PacketOf<B>;
    const pieces = Array.isArray(body) ? body : [body];
    let bodyLength = 0;
    for (const piece of pieces) bodyLength += piece.length;
    const packet: PiecesMediaPacket = { ...fields, pieces, bodyLength };
    return packet as PacketOf<B>;
  }
}

/**
 * The `bodies` option checked: `'contiguous'` (the default) or `'pieces'`.
 *
 * @throws {RangeError} for anything else, saying what was given.
 */
export function readBodyForm(bodies: unknown): PacketBodyForm {
  const form = bodies ?? 'contiguous';
  const problem = describeInvalidChoice(form, ['contiguous', 'pieces']);
  if (problem !== undefined) throw new RangeError(`bodies ${problem}`);
  return form as PacketBodyForm;
}

function declaredBoundary(options: MediaDemuxerOptions<PacketBodyForm>): string | undefined {
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

/** Whether a body (one array or pieces, which may be 1 byte long) starts with a JPEG SOI (`FF D8`). */
function startsWithSoi(body: Uint8Array | Uint8Array[]): boolean {
  if (!Array.isArray(body)) return body.length >= 2 && body[0] === 0xff && body[1] === 0xd8;
  let seen = 0;
  for (const piece of body) {
    for (let i = 0; i < piece.length && seen < 2; i++, seen++) {
      if (piece[i] !== (seen === 0 ? 0xff : 0xd8)) return false;
    }
    if (seen === 2) return true;
  }
  return false;
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
