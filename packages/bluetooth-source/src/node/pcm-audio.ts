import { createReadStream, statSync } from 'node:fs';
import type { PacketSource } from '@mjpeg-kit/bytes';
import { SourceError } from '../errors.js';
import {
  pcmAudioSource as corePcmAudioSource,
  type PcmAudioOptions,
  type PcmAudioStats,
} from '../pcm-audio.js';

/** Options of the Node {@link pcmAudioSource}: `input` may also be a path or `'-'` (stdin). */
export interface NodePcmAudioOptions extends Omit<PcmAudioOptions, 'input'> {
  /** A path to a file or FIFO, `'-'` for stdin, or any byte stream. */
  input: string | PcmAudioOptions['input'];
}

/**
 * {@link corePcmAudioSource} that also reads a path or `'-'` (stdin). A regular file
 * is paced in real time unless `realtime: false` is given; a FIFO or stdin (a pipe from
 * `arecord`) delivers at capture speed by itself. A path is opened on the first read and
 * closed when the iteration ends; stdin is not the source's to close: it is only released,
 * so a later `pcmAudioSource({ input: '-' })` (after an idle stop) reads on where this one
 * stopped, and an abort ends the source at once even while stdin is quiet.
 *
 * @example
 * ```ts
 * // arecord -D bluealsa:DEV=00:11:22:33:44:55,PROFILE=sco -f S16_LE -r 8000 -c 1 -t raw | node app.js
 * for await (const packet of pcmAudioSource({ input: '-', sampleRate: 8000, signal })) hub.publish(packet);
 * ```
 * @throws SourceError `OPEN_FAILED` when the path cannot be read.
 */
export function pcmAudioSource(options: NodePcmAudioOptions): PacketSource<PcmAudioStats> {
  const { input } = options;
  if (typeof input !== 'string') return corePcmAudioSource({ ...options, input });
  if (input === '-') return corePcmAudioSource({ ...options, input: process.stdin, closeInput: false });
  let isFile: boolean;
  try {
    isFile = statSync(input).isFile();
  } catch (error) {
    throw new SourceError('OPEN_FAILED', `cannot read ${input}: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  return corePcmAudioSource({
    ...options,
    input: readPath(input, options.signal),
    closeInput: true,
    realtime: options.realtime ?? isFile,
  });
}

/**
 * The bytes of a file or FIFO, opened on the first read (so an unused source holds no
 * descriptor) and closed when the iteration ends, however it ends. It is ours, so an abort
 * destroys it at once: a quiet FIFO would otherwise hold its descriptor until the next write.
 */
async function* readPath(path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: 4096 });
  const destroy = () => stream.destroy();
  signal?.addEventListener('abort', destroy, { once: true });
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) yield chunk;
  } finally {
    signal?.removeEventListener('abort', destroy);
    stream.destroy();
  }
}
