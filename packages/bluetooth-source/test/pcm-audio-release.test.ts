import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pcmAudioSource } from '../src/pcm-audio.js';

/** 20 ms of 8 kHz mono S16_LE, every sample `value`. */
function packetOf(value: number): Buffer {
  const bytes = Buffer.alloc(320);
  for (let i = 0; i < 160; i++) bytes.writeInt16LE(value, i * 2);
  return bytes;
}

/** `promise`, or `'pending'` if it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('pcmAudioSource and an input it does not own', () => {
  it('ends at once on abort while a read is pending, leaving the input readable by the next source without losing a chunk (#9)', async () => {
    const input = new PassThrough(); // stands in for process.stdin
    const controller = new AbortController();
    const first = pcmAudioSource({ input, sampleRate: 8000, signal: controller.signal });
    input.write(packetOf(1));
    expect((await first.next()).value?.body.length).toBe(320);
    const pending = first.next(); // the input is quiet: this read waits
    controller.abort();
    expect(await within(pending, 1000)).toEqual({ done: true, value: undefined });
    expect(input.destroyed).toBe(false);

    // Written while nobody reads (an idle stop): the next source gets it, nothing is lost.
    input.write(packetOf(0x0102));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = pcmAudioSource({ input, sampleRate: 8000 });
    const packet = await within(second.next(), 1000);
    expect(packet).not.toBe('pending');
    const body = (packet as IteratorResult<{ body: Uint8Array }>).value.body;
    // Big-endian out: the sample written after the first source stopped.
    expect([...body.subarray(0, 4)]).toEqual([0x01, 0x02, 0x01, 0x02]);
    expect(input.destroyed).toBe(false);
    await second.return();
    input.destroy();
  });

  it('closes an input it owns (closeInput) when the read ends early', async () => {
    let closed = false;
    async function* owned() {
      try {
        for (;;) yield packetOf(3);
      } finally {
        closed = true;
      }
    }
    const source = pcmAudioSource({ input: owned(), sampleRate: 8000, closeInput: true });
    for await (const _packet of source) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(true);
  });
});
