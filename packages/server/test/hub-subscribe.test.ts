import type { MediaPacket, PiecesMediaPacket } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import { MjpegHub } from '../src/hub.js';

const frame = (byte: number): MediaPacket => ({
  type: 'image/jpeg',
  body: new Uint8Array([0xff, 0xd8, byte, 0xff, 0xd9]),
  timestamp: 1000 + byte,
});
const tone: MediaPacket = {
  type: 'audio/L16',
  body: new Uint8Array(320),
  timestamp: 5,
  sampleRate: 8000,
  channels: 1,
};

describe('MjpegHub.subscribe', () => {
  it('passes every accepted frame with its seq, and audio, until unsubscribed', () => {
    const hub = new MjpegHub({ dropSameFrames: true });
    const seen: (MediaPacket | PiecesMediaPacket)[] = [];
    const unsubscribe = hub.subscribe((packet) => seen.push(packet));
    hub.publish(frame(1));
    hub.publish(frame(1)); // same body: dropped by the hub, not passed on
    hub.publish(tone);
    hub.publish(frame(2));
    unsubscribe();
    hub.publish(frame(3));
    expect(seen.map((p) => [p.type, p.seq])).toEqual([
      ['image/jpeg', 1],
      ['audio/L16', 1],
      ['image/jpeg', 2],
    ]);
    void hub.close();
  });

  it('counts as activity: active while subscribed, idle after', () => {
    const hub = new MjpegHub();
    const events: string[] = [];
    hub.on('active', () => events.push('active'));
    hub.on('idle', () => events.push('idle'));
    const unsubscribe = hub.subscribe(() => {});
    expect(hub.active).toBe(true);
    unsubscribe();
    unsubscribe(); // a second call changes nothing
    expect(hub.active).toBe(false);
    expect(events).toEqual(['active', 'idle']);
    void hub.close();
  });

  it('stops calling listeners once closed, and refuses new ones', async () => {
    const hub = new MjpegHub();
    let calls = 0;
    hub.subscribe(() => calls++);
    await hub.close();
    hub.publish(frame(4));
    hub.subscribe(() => calls++)();
    expect(calls).toBe(0);
    expect(hub.active).toBe(false);
  });
});
