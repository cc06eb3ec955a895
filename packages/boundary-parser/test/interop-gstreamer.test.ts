import { spawnSync } from 'node:child_process';
import { concatBytes } from '@mjpeg-kit/bytes';
import { expect, it } from 'vitest';
import { describeWithTool } from '../../../test-support/tools.js';
import { MultipartParser } from '../src/index.js';
import { pieces } from './replay.js';

function gst(pipeline: string): Uint8Array {
  const result = spawnSync('gst-launch-1.0', ['-q', ...pipeline.split(' '), '!', 'fdsink', 'fd=1'], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`gst-launch-1.0 ${pipeline} failed: ${result.stderr}`);
  return new Uint8Array(result.stdout);
}

const SOURCE = 'videotestsrc num-buffers=10 ! video/x-raw,width=320,height=240 ! jpegenc';

describeWithTool('gst-launch-1.0', 'interop with GStreamer multipartmux', () => {
  it('reads the JPEGs multipartmux wrote, byte for byte, the same as jpegenc alone', () => {
    const multipart = gst(`${SOURCE} ! multipartmux`);
    const raw = gst(SOURCE);
    for (const size of [1, 7, 4096, multipart.length]) {
      const parser = new MultipartParser('ThisRandomString'); // multipartmux's default boundary
      const bodies = pieces(multipart, size).flatMap((chunk) => parser.write(chunk).map((part) => part.body));
      parser.end();
      expect(bodies).toHaveLength(10);
      expect(Buffer.compare(concatBytes(bodies), raw), `${size}-byte chunks`).toBe(0);
    }
  });

  it('returns each frame with the write that carries it, though the next delimiter comes with the next frame', () => {
    // multipartmux writes the delimiter before each part and CRLF after the body: cut the
    // stream the way it writes it, one frame per write.
    const multipart = gst(`${SOURCE} ! multipartmux`);
    const text = Buffer.from(multipart).toString('latin1');
    const writes: Uint8Array[] = [];
    let start = 0;
    for (const match of text.matchAll(/Content-Length: (\d+)\r\n\r\n/g)) {
      const end = match.index + match[0].length + Number(match[1]) + 2; // body and its CRLF
      writes.push(multipart.subarray(start, end));
      start = end;
    }
    expect(writes).toHaveLength(10);
    const parser = new MultipartParser('ThisRandomString');
    for (const [i, write] of writes.entries()) expect(parser.write(write), `write ${i}`).toHaveLength(1);
  });
});
