import type { MediaPacket, StatusEvent } from '@mjpeg-kit/bytes';
import { describe, expect, it } from 'vitest';
import { SPP_SERVICE_CLASS_ID, type WebSerialPortLike, webSerialCameraSource } from '../src/browser.js';
import type { CameraEmulator } from '../src/emulator/frames.js';
import { Ov528Emulator } from '../src/emulator/ov528-emulator.js';
import { makeTestFrames } from './helpers/frames.js';

const FRAMES = makeTestFrames(3);

/**
 * A Web Serial port double: `open()` creates fresh readable/writable streams wired to the
 * emulator, as Chrome does on every open; `unplug()` errors the readable the way a lost
 * Bluetooth link does (NetworkError).
 */
class FakeSerialPort implements WebSerialPortLike {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  opens: { baudRate: number }[] = [];
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;

  constructor(private readonly emulator: CameraEmulator) {}

  async open(options: { baudRate: number }): Promise<void> {
    if (this.readable)
      throw Object.assign(new Error('The port is already open.'), { name: 'InvalidStateError' });
    this.opens.push(options);
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
    });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => {
        for (const reply of this.emulator.receive(chunk)) this.controller?.enqueue(reply.slice());
      },
    });
  }

  async close(): Promise<void> {
    if (this.readable?.locked || this.writable?.locked) throw new TypeError('Cannot close a locked stream');
    this.readable = null;
    this.writable = null;
  }

  unplug(): void {
    this.controller?.error(Object.assign(new Error('The device has been lost.'), { name: 'NetworkError' }));
  }
}

describe('webSerialCameraSource', () => {
  it('exports the SPP service class id for allowedBluetoothServiceClassIds', () => {
    expect(SPP_SERVICE_CLASS_ID).toBe('00001101-0000-1000-8000-00805f9b34fb');
  });

  it('captures OV528 frames, reopens the same port after the link is lost', async () => {
    const port = new FakeSerialPort(new Ov528Emulator({ frames: FRAMES }));
    const events: StatusEvent[] = [];
    const controller = new AbortController();
    const source = webSerialCameraSource(port, {
      mode: 'ov528',
      timeoutMs: 100,
      syncTimeoutMs: 10,
      reconnect: { minDelayMs: 5, maxDelayMs: 10 },
      signal: controller.signal,
      onStatus: (e) => events.push(e),
    });
    const frames: MediaPacket[] = [];
    for await (const frame of source) {
      frames.push(frame);
      if (frames.length === 2) port.unplug();
      if (frames.length === 4) controller.abort();
    }
    expect(frames).toHaveLength(4);
    for (const frame of frames) expect(FRAMES.some((f) => Buffer.from(f).equals(frame.body))).toBe(true);
    expect(port.opens.length).toBeGreaterThanOrEqual(2);
    expect(port.opens[0]).toMatchObject({ baudRate: 115200 });
    expect(
      events.some((e) => e.state === 'reconnecting' && (e.error as { code?: string })?.code === 'LINK_LOST'),
    ).toBe(true);
    // Closed cleanly: streams unlocked and released.
    expect(port.readable).toBeNull();
    expect(events.at(-1)?.state).toBe('closed');
  });
});

describe('isomorphic core', () => {
  it('has no node: import and no Buffer outside src/node and src/testing.ts', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = new URL('../src/', import.meta.url).pathname;
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (name !== 'node') walk(path);
        } else if (name !== 'node.ts' && name !== 'testing.ts') {
          const text = readFileSync(path, 'utf8');
          if (/from ['"]node:|\bBuffer\b|require\(/.test(text)) offenders.push(path);
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
