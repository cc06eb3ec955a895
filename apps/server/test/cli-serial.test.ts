import { TestPatternRenderer } from '@mjpeg-kit/sources';
import { afterEach, expect, it } from 'vitest';
// The emulator and pty helpers live in bluetooth-source's test support (not a published entry).
import { createPtyPair, type PtyPair } from '../../../packages/bluetooth-source/src/node/testing/pty-pair.js';
import {
  type ServedCamera,
  serveEmulatedCamera,
} from '../../../packages/bluetooth-source/src/node/testing/serve-camera.js';
import { describeWithTool } from '../../../test-support/tools.js';
import { CliProcess, getState, isJpeg, StreamReader, waitUntil } from './cli-harness.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describeWithTool('socat', '--source serial:', () => {
  it.each(['stream', 'vc0706'] as const)(
    'serves an emulated %s camera on a pty and reports it in /state',
    async (mode) => {
      const pty: PtyPair = await createPtyPair();
      cleanups.push(() => pty.close());
      const renderer = new TestPatternRenderer({ width: 160, height: 120 });
      const frames = Array.from({ length: 4 }, (_, i) =>
        renderer.render(1_700_000_000_000 + i * 100, i, false),
      );
      const camera: ServedCamera = await serveEmulatedCamera({
        path: pty.devicePath,
        mode,
        frames,
        baudRate: 921_600,
        fps: 10,
      });
      cleanups.push(() => camera.close());
      const cli = new CliProcess([
        '--port',
        '0',
        '--audio',
        'none',
        '--source',
        `serial:${pty.hostPath}?mode=${mode}&baud=115200`,
      ]);
      cleanups.push(() => {
        cli.kill();
        return cli.exit(5000).catch(() => undefined);
      });
      const url = await cli.ready();
      const stream = new StreamReader(`${url}stream`);
      cleanups.push(() => stream.close());
      const parts = await stream.waitForParts(2, 20_000);
      expect(parts.every(isJpeg)).toBe(true);
      const state = await waitUntil(async () => {
        const current = await getState(url);
        return current.source.online ? current : undefined;
      });
      expect(state.source.kind).toBe('serial');
      expect(state.resolution).toEqual({ width: 160, height: 120 });
      expect(frames.some((frame) => Buffer.from(frame).equals(parts[0]!))).toBe(true);
    },
  );
});
