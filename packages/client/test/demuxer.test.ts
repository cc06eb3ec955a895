import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaDemuxer } from '../src/demuxer.js';
import { DIALECTS, type Dialect } from './helpers/dialects.js';
import { bytes, FRAMES, jpegSummaries, summary } from './helpers/media.js';
import { cut, feedings, splitOffsets } from './helpers/split.js';

function demux(dialect: Pick<Dialect, 'headers'>, chunks: Uint8Array[]) {
  const demuxer = new MediaDemuxer({
    contentType: dialect.headers['content-type'] ?? null,
    boundary: dialect.headers['x-boundary'] ?? null,
  });
  const packets = chunks.flatMap((chunk) => demuxer.push(chunk));
  packets.push(...demuxer.end());
  return { demuxer, packets: packets.map(summary) };
}

describe('MediaDemuxer plays every dialect', () => {
  describe.each(DIALECTS)('$name', (dialect) => {
    it(`reads it with ${dialect.parser} and returns the frames byte-identical`, () => {
      const { demuxer, packets } = demux(dialect, [dialect.body]);
      expect(demuxer.parser).toBe(dialect.parser);
      expect(packets).toEqual(dialect.expected);
    });

    it('returns the same packets however the body is split', () => {
      for (const [label, chunks] of feedings(dialect.body)) {
        const { packets } = demux(dialect, chunks);
        expect(packets, label).toEqual(dialect.expected);
      }
    });

    it('returns the same packets for fast-check random splits', () => {
      fc.assert(
        fc.property(splitOffsets(dialect.body), (offsets) => {
          expect(demux(dialect, cut(dialect.body, offsets)).packets).toEqual(dialect.expected);
        }),
        { numRuns: 100 },
      );
    });
  });
});

describe('MediaDemuxer', () => {
  const [F1, F2] = FRAMES as [Uint8Array, Uint8Array];
  const multipart = { headers: { 'content-type': 'multipart/x-mixed-replace;boundary=b' } };

  it('returns a frame from the push that completes it (Content-Length: at the bytes after the body)', () => {
    const demuxer = new MediaDemuxer({ contentType: multipart.headers['content-type'] });
    const head = bytes(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${F1.length}\r\n\r\n`);
    expect(demuxer.push(head)).toEqual([]);
    expect(demuxer.push(F1.subarray(0, F1.length - 1))).toEqual([]);
    const packets = demuxer.push(bytes(F1.subarray(F1.length - 1), '\r\n--b\r\n'));
    expect(packets.map(summary)).toEqual(jpegSummaries([F1]));
  });

  it('returns a bare JPEG frame at its EOI', () => {
    const demuxer = new MediaDemuxer({});
    expect(demuxer.push(F1.subarray(0, F1.length - 1))).toEqual([]);
    expect(demuxer.push(F1.subarray(F1.length - 1)).map(summary)).toEqual(jpegSummaries([F1]));
  });

  it('takes X-Timestamp as the packet time and keeps the part headers', () => {
    const { demuxer, packets } = (() => {
      const d = new MediaDemuxer({ contentType: multipart.headers['content-type'] });
      const out = d.push(
        bytes(
          `--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${F1.length}\r\nX-Timestamp: 1700000000.250000\r\nX-Camera: front\r\n\r\n`,
          F1,
          '\r\n--b\r\n',
        ),
      );
      return { demuxer: d, packets: out };
    })();
    expect(demuxer.stats.parts).toBe(1);
    expect(packets[0]!.timestamp).toBe(1_700_000_000_250);
    expect(packets[0]!.headers?.get('x-camera')).toBe('front');
  });

  it('stamps packets without X-Timestamp with the arrival time', () => {
    const before = performance.timeOrigin + performance.now();
    const [packet] = new MediaDemuxer({}).push(F1);
    expect(packet!.timestamp).toBeGreaterThanOrEqual(before);
    expect(packet!.timestamp).toBeLessThanOrEqual(performance.timeOrigin + performance.now());
  });

  it('cuts the frame out of a part whose headers were garbled into its body', () => {
    const demuxer = new MediaDemuxer({ contentType: multipart.headers['content-type'] });
    const packets = demuxer.push(
      bytes(
        '--b\r\n\r\nContent-Typ\u0001e: im\r\n',
        F1,
        '\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n',
        F2,
        '\r\n--b\r\n',
      ),
    );
    expect(packets.map(summary)).toEqual(jpegSummaries([F1, F2]));
    expect(demuxer.stats.rescannedParts).toBe(1);
  });

  it('skips parts that are neither JPEG nor audio, and parts with no frame inside', () => {
    const demuxer = new MediaDemuxer({ contentType: multipart.headers['content-type'] });
    const packets = demuxer.push(
      bytes(
        '--b\r\nContent-Type: application/json\r\n\r\n{"fps":5}\r\n',
        '--b\r\nContent-Type: image/jpeg\r\n\r\nnot a jpeg\r\n',
        '--b\r\nContent-Type: image/jpeg\r\n\r\n',
        F1,
        '\r\n--b\r\n',
      ),
    );
    expect(packets.map(summary)).toEqual(jpegSummaries([F1]));
    expect(demuxer.stats.skippedParts).toBe(2);
  });

  it('switches to the JPEG scanner when the multipart parser gives up, and keeps playing', () => {
    const demuxer = new MediaDemuxer({
      contentType: multipart.headers['content-type'],
      multipart: { maxHeaderBytes: 64 },
    });
    const packets = [
      ...demuxer.push(bytes('--b\r\nX-Junk: ', 'x'.repeat(200), '\r\n\r\n')),
      ...demuxer.push(F1),
      ...demuxer.push(F2),
    ];
    expect(demuxer.parser).toBe('jpeg-scan');
    expect(demuxer.stats.parserErrors).toBe(1);
    expect(demuxer.lastParserError).toMatchObject({ code: expect.any(String) });
    expect(packets.map(summary)).toEqual(jpegSummaries([F1, F2]));
  });

  it('reports nothing and no parser for an empty body', () => {
    const demuxer = new MediaDemuxer({ contentType: multipart.headers['content-type'] });
    expect(demuxer.push(new Uint8Array(0))).toEqual([]);
    expect(demuxer.end()).toEqual([]);
    expect(demuxer.parser).toBeUndefined();
  });

  it('decides at end() when the body was shorter than the sniff window', () => {
    const demuxer = new MediaDemuxer({});
    expect(demuxer.push(bytes('--x'))).toEqual([]);
    expect(demuxer.end()).toEqual([]);
    expect(demuxer.parser).toBe('multipart');
    expect(demuxer.stats.truncatedParts + demuxer.stats.parts).toBeLessThanOrEqual(1);
  });

  it('counts a truncated last part and drops it', () => {
    const demuxer = new MediaDemuxer({ contentType: multipart.headers['content-type'] });
    demuxer.push(
      bytes(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${F1.length}\r\n\r\n`, F1.subarray(0, 100)),
    );
    expect(demuxer.end()).toEqual([]);
    expect(demuxer.stats.truncatedParts).toBe(1);
  });
});
