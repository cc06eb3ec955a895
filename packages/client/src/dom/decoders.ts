import { concatBytes } from '@mjpeg-kit/bytes';

/** How the player turns JPEG bytes into pixels. */
export type DecoderKind = 'image-bitmap' | 'image-decoder' | 'img';

/** A decoded picture ready to draw; `close()` frees it (bitmaps and VideoFrames hold GPU/native memory). */
export interface DecodedFrame {
  readonly source: CanvasImageSource;
  readonly width: number;
  readonly height: number;
  close(): void;
}

/**
 * One JPEG: a single array, or pieces (views of the chunks it arrived in, in order), which the
 * Blob-based decoders take as they are, with no copy.
 */
export type JpegBytes = Uint8Array | readonly Uint8Array[];

/** Decodes one JPEG at a time into a drawable picture. */
export interface FrameDecoder {
  readonly kind: DecoderKind;
  decode(jpeg: JpegBytes): Promise<DecodedFrame>;
}

/** Minimal typing of WebCodecs `ImageDecoder`, which not every TypeScript DOM lib declares. */
interface ImageDecoderLike {
  decode(): Promise<{ image: VideoFrame }>;
  close(): void;
}
type ImageDecoderConstructor = new (init: { data: BufferSource; type: string }) => ImageDecoderLike;

function getImageDecoder(): ImageDecoderConstructor | undefined {
  return (globalThis as { ImageDecoder?: ImageDecoderConstructor }).ImageDecoder;
}

/** The decoders this browser offers, best first (by the bench in docs/benchmarks.md). */
export function getAvailableDecoders(): DecoderKind[] {
  const kinds: DecoderKind[] = [];
  if (typeof createImageBitmap === 'function' && typeof Blob === 'function') kinds.push('image-bitmap');
  if (getImageDecoder() && typeof VideoFrame === 'function') kinds.push('image-decoder');
  if (typeof Image === 'function' && typeof URL.createObjectURL === 'function') kinds.push('img');
  return kinds;
}

/**
 * Creates a decoder: `image-bitmap` (`createImageBitmap` on a Blob, decoded off the main thread),
 * `image-decoder` (WebCodecs), or `img` (an `<img>` fed an object URL, revoked as soon as the
 * picture is decoded or has failed).
 */
export function createFrameDecoder(kind: DecoderKind): FrameDecoder {
  switch (kind) {
    case 'image-bitmap':
      return { kind, decode: decodeWithImageBitmap };
    case 'image-decoder':
      return { kind, decode: decodeWithImageDecoder };
    case 'img':
      return { kind, decode: decodeWithImg };
  }
}

/** A Blob over the JPEG's bytes; pieces go in as they are (the Blob references, not joins, them). */
export function jpegBlob(jpeg: JpegBytes): Blob {
  const parts = (isPieces(jpeg) ? jpeg : [jpeg]) as Uint8Array<ArrayBuffer>[];
  return new Blob(parts, { type: 'image/jpeg' });
}

function isPieces(jpeg: JpegBytes): jpeg is readonly Uint8Array[] {
  return Array.isArray(jpeg);
}

async function decodeWithImageBitmap(jpeg: JpegBytes): Promise<DecodedFrame> {
  const bitmap = await createImageBitmap(jpegBlob(jpeg));
  return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
}

async function decodeWithImageDecoder(jpeg: JpegBytes): Promise<DecodedFrame> {
  const Decoder = getImageDecoder()!;
  // WebCodecs takes one buffer: pieces are joined here (one copy), a single piece is used as is.
  const data = isPieces(jpeg) ? (jpeg.length === 1 ? jpeg[0]! : concatBytes(jpeg)) : jpeg;
  const decoder = new Decoder({ data: data as Uint8Array<ArrayBuffer>, type: 'image/jpeg' });
  try {
    const { image } = await decoder.decode();
    return {
      source: image,
      width: image.displayWidth,
      height: image.displayHeight,
      close: () => image.close(),
    };
  } finally {
    decoder.close();
  }
}

async function decodeWithImg(jpeg: JpegBytes): Promise<DecodedFrame> {
  // A fresh element per frame: a frame held back for audio sync must not change under us.
  const img = new Image();
  const url = URL.createObjectURL(jpegBlob(jpeg));
  try {
    img.src = url;
    await img.decode();
  } finally {
    // The decoded picture outlives its URL, so revoke at once; never leak one per frame.
    URL.revokeObjectURL(url);
  }
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => undefined };
}
