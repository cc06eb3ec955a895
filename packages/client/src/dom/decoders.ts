/** How the player turns JPEG bytes into pixels. */
export type DecoderKind = 'image-bitmap' | 'image-decoder' | 'img';

/** A decoded picture ready to draw; `close()` frees it (bitmaps and VideoFrames hold GPU/native memory). */
export interface DecodedFrame {
  readonly source: CanvasImageSource;
  readonly width: number;
  readonly height: number;
  close(): void;
}

/** Decodes one JPEG at a time into a drawable picture. */
export interface FrameDecoder {
  readonly kind: DecoderKind;
  decode(jpeg: Uint8Array): Promise<DecodedFrame>;
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

function jpegBlob(jpeg: Uint8Array): Blob {
  return new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
}

async function decodeWithImageBitmap(jpeg: Uint8Array): Promise<DecodedFrame> {
  const bitmap = await createImageBitmap(jpegBlob(jpeg));
  return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
}

async function decodeWithImageDecoder(jpeg: Uint8Array): Promise<DecodedFrame> {
  const Decoder = getImageDecoder()!;
  const decoder = new Decoder({ data: jpeg as Uint8Array<ArrayBuffer>, type: 'image/jpeg' });
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

async function decodeWithImg(jpeg: Uint8Array): Promise<DecodedFrame> {
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
