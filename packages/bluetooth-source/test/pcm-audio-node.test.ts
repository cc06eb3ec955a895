import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaPacket } from '@mjpeg-kit/bytes';
import { afterAll, describe, expect, it } from 'vitest';
import { pcmAudioSource } from '../src/node/pcm-audio.js';

const dir = mkdtempSync(join(tmpdir(), 'bluetooth-source-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function drain(source: AsyncIterable<MediaPacket>): Promise<MediaPacket[]> {
  const out: MediaPacket[] = [];
  for await (const packet of source) out.push(packet);
  return out;
}

describe('pcmAudioSource (Node entry)', () => {
  it('reads a path and converts little-endian samples', async () => {
    const path = join(dir, 'audio.raw');
    const samples = Buffer.alloc(8000 * 0.04 * 2);
    for (let i = 0; i < samples.length / 2; i++) samples.writeInt16LE(i - 100, i * 2);
    writeFileSync(path, samples);
    const packets = await drain(pcmAudioSource({ input: path, realtime: false }));
    expect(packets.map((p) => p.body.length)).toEqual([320, 320]);
    const out = Buffer.concat(packets.map((p) => p.body));
    for (let i = 0; i < samples.length / 2; i++) expect(out.readInt16BE(i * 2)).toBe(i - 100);
  });

  it('throws OPEN_FAILED for a missing path', () => {
    expect(() => pcmAudioSource({ input: join(dir, 'nope.raw') })).toThrow(
      expect.objectContaining({ code: 'OPEN_FAILED' }),
    );
  });
});
