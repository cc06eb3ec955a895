import { concatBytes, type MediaPacket, type PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { MediaDemuxer } from '../src/demuxer.js';
import { openStream } from '../src/index.js';
import { DIALECTS, type Dialect } from './helpers/dialects.js';
import { serverPerTest, writeSlowly } from './helpers/http.js';
import { bytes, FRAMES, summary } from './helpers/media.js';
import { cut, every, feedings } from './helpers/split.js';
import { take, testOptions } from './helpers/stream.js';

// `bodies: 'pieces'`: the same packets as the default, bodies as views of the chunks (no copy).

const serve = serverPerTest();

/** The packet with its pieces joined, checked to add up to `bodyLength`. */
function joined(packet: PiecesMediaPacket): MediaPacket {
  const { pieces, bodyLength, ...fields } = packet;
  const body = concatBytes(pieces);
  expect(body.length).toBe(bodyLength);
  return { ...fields, body };
}

function demuxPieces(dialect: Pick<Dialect, 'headers'>, chunks: Uint8Array[]) {
  const demuxer = new MediaDemuxer({
    bodies: 'pieces',
    contentType: dialect.headers['content-type'] ?? null,
    boundary: dialect.headers['x-boundary'] ?? null,
  });
  const packets = chunks.flatMap((chunk) => demuxer.push(chunk));
  packets.push(...demuxer.end());
  return packets;
}

describe("MediaDemuxer with bodies: 'pieces'", () => {
  it.each(DIALECTS)('$name: pieces join to the same packets however the body is split', (dialect) => {
    for (const [label, chunks] of feedings(dialect.body)) {
      const packets = demuxPieces(dialect, chunks);
      expect(
        packets.map((packet) => summary(joined(packet))),
        label,
      ).toEqual(dialect.expected);
    }
  });

  it('gives views of the pushed chunks, never copies, for bodies that span chunks', () => {
    const [F1, F2] = FRAMES as [Uint8Array, Uint8Array];
    const body = bytes(
      '--b\r\n',
      ...[F1, F2].flatMap((frame) => [
        `Content-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`,
        frame,
        '\r\n--b\r\n',
      ]),
    );
    // The first chunk is long enough to tell the format; the frames are cut in three places.
    const chunks = cut(body, [60, F1.length, F1.length + 90]).map((chunk) => chunk.slice());
    const packets = demuxPieces(
      { headers: { 'content-type': 'multipart/x-mixed-replace;boundary=b' } },
      chunks,
    );
    expect(packets.map((packet) => joined(packet).body)).toEqual([F1, F2]);
    const buffers = new Set<ArrayBufferLike>(chunks.map((chunk) => chunk.buffer));
    const pieces = packets.flatMap((packet) => packet.pieces);
    expect(pieces.length).toBeGreaterThan(packets.length);
    for (const piece of pieces) expect(buffers.has(piece.buffer)).toBe(true);
  });

  it('gives one-piece arrays on the JPEG-scan path and views of the chunks when a frame spans them', () => {
    const [F1, F2] = FRAMES as [Uint8Array, Uint8Array];
    const chunks = [bytes(F1, F2.subarray(0, 10)), bytes(F2.subarray(10))];
    const packets = demuxPieces({ headers: {} }, chunks);
    expect(packets.map((packet) => packet.pieces.length)).toEqual([1, 2]);
    expect(packets.map((packet) => joined(packet).body)).toEqual([F1, F2]);
    for (const piece of packets.flatMap((packet) => packet.pieces))
      expect(chunks.some((chunk) => chunk.buffer === piece.buffer)).toBe(true);
  });

  it("refuses a body form other than 'contiguous' or 'pieces' with a RangeError", () => {
    expect(() => new MediaDemuxer({ bodies: 'chunks' as 'pieces' })).toThrow(RangeError);
  });
});

describe("openStream with bodies: 'pieces'", () => {
  it('types its packets as PiecesMediaPacket and the default as MediaPacket', () => {
    const controller = new AbortController();
    controller.abort();
    const pieces = openStream('http://127.0.0.1:9/', { bodies: 'pieces', signal: controller.signal });
    const contiguous = openStream('http://127.0.0.1:9/', { signal: controller.signal });
    expectTypeOf(pieces).toExtend<AsyncIterable<PiecesMediaPacket>>();
    expectTypeOf(contiguous).toExtend<AsyncIterable<MediaPacket>>();
    expect(pieces.stats.frames).toBe(0);
  });

  it.each(DIALECTS)(
    '$name over HTTP: pieces join to the bodies the default gives, split at many points',
    async (dialect) => {
      for (const size of [97, 1460, 4096]) {
        const server = await serve((_req, res) => {
          res.writeHead(200, dialect.headers);
          void writeSlowly(res, every(dialect.body, size));
        });
        const url = `${server.url}/stream`;
        const count = dialect.expected.length;
        const viaPieces = await take(openStream(url, { ...testOptions().options, bodies: 'pieces' }), count);
        const viaBody = await take(openStream(url, testOptions().options), count);
        expect(
          viaPieces.map((packet) => summary(joined(packet))),
          `${size}-byte writes`,
        ).toEqual(viaBody.map(summary));
        expect(viaBody.map(summary)).toEqual(dialect.expected);
      }
    },
  );

  it("throws StreamError INVALID_OPTION naming bodies at once for a form other than 'contiguous' or 'pieces'", () => {
    expect(() => openStream('http://127.0.0.1:9/', { bodies: 'views' as 'pieces' })).toThrow(
      expect.objectContaining({ name: 'StreamError', code: 'INVALID_OPTION', option: 'bodies' }),
    );
  });
});
