import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { SourceError } from '../errors.js';
import {
  pcmAudioSource as corePcmAudioSource,
  type PcmAudioOptions,
  type PcmAudioStats,
} from '../pcm-audio.js';
import type { PacketSource } from '../synthetic/synthetic-camera.js';

/** Options of the Node {@link pcmAudioSource}: `input` may also be a path or `'-'` (stdin). */
export interface NodePcmAudioOptions extends Omit<PcmAudioOptions, 'input'> {
  /** A path to a file or FIFO, `'-'` for stdin, or any byte stream. */
  input: string | PcmAudioOptions['input'];
}

/**
 * {@link corePcmAudioSource} that also reads a path or `'-'` (stdin). A regular file
 * is paced in real time unless `realtime: false` is given; a FIFO or stdin (a pipe from
 * `arecord`) delivers at capture speed by itself. The stream is destroyed when the
 * iteration ends.
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
  let realtime = options.realtime;
  if (input !== '-') {
    let isFile: boolean;
    try {
      isFile = statSync(input).isFile();
    } catch (error) {
      throw new SourceError('OPEN_FAILED', `cannot read ${input}: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
    realtime ??= isFile;
  }
  return corePcmAudioSource({ ...options, input: readInput(input, options.signal), realtime });
}

/**
 * The bytes of a path or stdin, opened on the first read (so an unused source holds no
 * descriptor) and destroyed when the iteration ends or `signal` aborts, stdin included.
 */
async function* readInput(input: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const stream: Readable = input === '-' ? process.stdin : createReadStream(input, { highWaterMark: 4096 });
  const destroy = () => stream.destroy();
  signal?.addEventListener('abort', destroy, { once: true });
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) yield chunk;
  } finally {
    signal?.removeEventListener('abort', destroy);
    stream.destroy();
  }
}
