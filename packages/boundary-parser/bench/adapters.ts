import { createRequire } from 'node:module';
import { MultipartParser as MjacksonParser } from '@mjackson/multipart-parser';
import { MultipartParser } from '../src/index.js';

/** Every contender behind one signature: chunks in, frames (bodies) out. */
export type Scan = (chunks: Uint8Array[]) => Uint8Array[];

/** The same for contenders that hand each body over as pieces (views of the chunks, unjoined). */
export type PiecesScan = (chunks: Uint8Array[]) => Uint8Array[][];

export function ours(boundary: string): Scan {
  return (chunks) => {
    const parser = new MultipartParser(boundary);
    const frames: Uint8Array[] = [];
    for (const chunk of chunks) for (const part of parser.write(chunk)) frames.push(part.body);
    for (const part of parser.end()) frames.push(part.body);
    return frames;
  };
}

/** Ours with `bodies: 'pieces'`: each body as views of the chunks, nothing copied. */
export function oursPieces(boundary: string): PiecesScan {
  return (chunks) => {
    const parser = new MultipartParser(boundary, { bodies: 'pieces' });
    const frames: Uint8Array[][] = [];
    for (const chunk of chunks) for (const part of parser.write(chunk)) frames.push(part.pieces);
    for (const part of parser.end()) frames.push(part.pieces);
    return frames;
  };
}

/** @mjackson/multipart-parser's own pieces: `part.content`, the body's chunks, not joined. */
export function mjacksonContent(boundary: string): PiecesScan {
  return (chunks) => {
    const parser = new MjacksonParser(boundary, { maxFileSize: 64 * 1024 * 1024 });
    const frames: Uint8Array[][] = [];
    for (const chunk of chunks) for (const part of parser.write(chunk)) frames.push(part.content);
    return frames;
  };
}

export function mjackson(boundary: string): Scan {
  return (chunks) => {
    const parser = new MjacksonParser(boundary, { maxFileSize: 64 * 1024 * 1024 });
    const frames: Uint8Array[] = [];
    // part.bytes joins the part's chunks: one copy, the same output as ours.
    for (const chunk of chunks) for (const part of parser.write(chunk)) frames.push(part.bytes);
    return frames;
  };
}

interface MjpegConsumer {
  push(frame: Uint8Array): boolean;
  _transform(chunk: Uint8Array, encoding: string, done: () => void): void;
}
const require = createRequire(import.meta.url);
const MjpegConsumerClass = require('mjpeg-consumer') as new () => MjpegConsumer;

/** mjpeg-consumer is a Node Transform; its `_transform` is called directly (no stream overhead). */
export function mjpegConsumer(): Scan {
  return (chunks) => {
    const consumer = new MjpegConsumerClass();
    const frames: Uint8Array[] = [];
    consumer.push = (frame) => {
      frames.push(frame);
      return true;
    };
    const done = () => {};
    for (const chunk of chunks) consumer._transform(chunk, 'buffer', done);
    return frames;
  };
}

/** The splitter people write first: append, find the delimiter with indexOf, slice. */
export function naiveIndexOf(boundary: string): Scan {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const headerEnd = Buffer.from('\r\n\r\n');
  return (chunks) => {
    const frames: Uint8Array[] = [];
    let pending = Buffer.alloc(0);
    for (const chunk of chunks) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      for (;;) {
        const start = pending.indexOf(headerEnd);
        if (start === -1) break;
        const end = pending.indexOf(delimiter, start + 4);
        if (end === -1) break;
        frames.push(pending.subarray(start + 4, end));
        pending = pending.subarray(end + 2);
      }
    }
    return frames;
  };
}
