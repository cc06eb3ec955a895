import { Buffer } from 'node:buffer';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import {
  audioDurationMs,
  MAX_WS_MESSAGE_BYTES,
  packetPrefix,
  parseClientMessage,
  WsMessageError,
} from '../src/ws-messages.js';

function errorOf(input: string | Uint8Array): WsMessageError {
  try {
    parseClientMessage(input);
  } catch (error) {
    if (error instanceof WsMessageError) return error;
    throw error;
  }
  throw new Error(`accepted ${String(input)}`);
}

describe('parseClientMessage', () => {
  it('reads subscribe with its defaults, and ignores unknown fields', () => {
    expect(parseClientMessage('{"type":"subscribe","camera":"front","later":1}')).toEqual({
      type: 'subscribe',
      camera: 'front',
      audio: false,
      fps: undefined,
      credit: 1,
    });
    expect(
      parseClientMessage(
        Buffer.from('{"type":"subscribe","camera":"desk","audio":true,"fps":12.5,"credit":16}'),
      ),
    ).toEqual({ type: 'subscribe', camera: 'desk', audio: true, fps: 12.5, credit: 16 });
  });

  it('reads unsubscribe and credit', () => {
    expect(parseClientMessage('{"type":"unsubscribe","camera":"a"}')).toEqual({
      type: 'unsubscribe',
      camera: 'a',
    });
    expect(parseClientMessage('{"type":"credit","camera":"a","frames":3}')).toEqual({
      type: 'credit',
      camera: 'a',
      frames: 3,
    });
  });

  it.each([
    ['bad JSON', '{"type":'],
    ['an empty message', ''],
    ['a JSON string', '"subscribe"'],
    ['null', 'null'],
    ['an array', '[{"type":"subscribe"}]'],
    ['no type', '{"camera":"a"}'],
    ['a numeric type', '{"type":7}'],
    ['an unknown type', '{"type":"play","camera":"a"}'],
    ['no camera', '{"type":"subscribe"}'],
    ['an empty camera', '{"type":"subscribe","camera":""}'],
    ['a numeric camera', '{"type":"unsubscribe","camera":1}'],
    ['a string audio', '{"type":"subscribe","camera":"a","audio":"true"}'],
    ['fps 0', '{"type":"subscribe","camera":"a","fps":0}'],
    ['fps 121', '{"type":"subscribe","camera":"a","fps":121}'],
    ['a string fps', '{"type":"subscribe","camera":"a","fps":"10"}'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ])('refuses %s with BAD_MESSAGE, closing', (_what, input) => {
    const error = errorOf(input);
    expect(error.code).toBe('BAD_MESSAGE');
    expect(error.close).toBe(true);
  });

  it.each([
    ['credit 0', '{"type":"subscribe","camera":"a","credit":0}'],
    ['credit 17', '{"type":"subscribe","camera":"a","credit":17}'],
    ['credit 1.5', '{"type":"subscribe","camera":"a","credit":1.5}'],
    ['frames missing', '{"type":"credit","camera":"a"}'],
    ['frames as a string', '{"type":"credit","camera":"a","frames":"1"}'],
    ['frames -1', '{"type":"credit","camera":"a","frames":-1}'],
  ])('refuses %s with BAD_CREDIT, closing', (_what, input) => {
    const error = errorOf(input);
    expect(error.code).toBe('BAD_CREDIT');
    expect(error.close).toBe(true);
  });

  it(`refuses a message over ${MAX_WS_MESSAGE_BYTES} bytes before parsing it`, () => {
    const padded = `{"type":"unsubscribe","camera":"a","pad":"${'x'.repeat(MAX_WS_MESSAGE_BYTES)}"}`;
    expect(errorOf(padded).code).toBe('BAD_MESSAGE');
    expect(errorOf(Buffer.from(padded)).message).toContain(`over the limit of ${MAX_WS_MESSAGE_BYTES}`);
    // Multi-byte characters count as bytes, not characters.
    const wide = `{"type":"unsubscribe","camera":"${'é'.repeat(MAX_WS_MESSAGE_BYTES / 2)}"}`;
    expect(errorOf(wide).code).toBe('BAD_MESSAGE');
  });

  it('echoes at most 40 characters of an unknown type', () => {
    const message = errorOf(`{"type":"${'z'.repeat(1000)}"}`).message;
    expect(message.length).toBeLessThan(100);
  });
});

describe('packetPrefix', () => {
  const jpeg: MediaPacket = {
    type: 'image/jpeg',
    body: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    timestamp: 1733100000123.456,
    seq: 42,
  };

  it('lays out version, kind, the header length big-endian and the JSON header', () => {
    const prefix = packetPrefix(jpeg, 'front');
    expect(prefix[0]).toBe(1);
    expect(prefix[1]).toBe(1);
    const length = prefix.readUInt16BE(2);
    expect(prefix.length).toBe(4 + length);
    expect(JSON.parse(prefix.subarray(4).toString('utf8'))).toEqual({
      camera: 'front',
      type: 'image/jpeg',
      ts: 1733100000123.456,
      seq: 42,
    });
  });

  it('builds the prefix once per packet and camera', () => {
    const packet = { ...jpeg };
    const first = packetPrefix(packet, 'front');
    expect(packetPrefix(packet, 'front')).toBe(first);
    const other = packetPrefix(packet, 'desk');
    expect(other).not.toBe(first);
    expect(other.subarray(4).toString('utf8')).toContain('"camera":"desk"');
  });

  it('gives audio kind 2 with its rate and channels', () => {
    const pcmu: MediaPacket = {
      type: 'audio/PCMU',
      body: new Uint8Array(80),
      timestamp: 5,
      seq: 3,
      sampleRate: 8000,
      channels: 1,
    };
    const prefix = packetPrefix(pcmu, 'mic');
    expect(prefix[1]).toBe(2);
    expect(JSON.parse(prefix.subarray(4).toString('utf8'))).toEqual({
      camera: 'mic',
      type: 'audio/PCMU',
      ts: 5,
      seq: 3,
      rate: 8000,
      channels: 1,
    });
    expect(audioDurationMs(pcmu)).toBe(10);
    expect(audioDurationMs({ ...pcmu, type: 'audio/L16', sampleRate: 16000, channels: 2 })).toBe(1.25);
  });
});
