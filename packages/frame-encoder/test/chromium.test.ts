import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../../test-support/chromium.js';
import { describeWithTool } from '../../../test-support/tools.js';
import { MultipartEncoder } from '../src/index.js';

/** A JPEG of the given size from ffmpeg's test pattern. */
function makeJpeg(size: string): Uint8Array {
  const result = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${size}`,
      '-frames:v',
      '1',
      '-f',
      'image2pipe',
      '-c:v',
      'mjpeg',
      '-',
    ],
    { timeout: 20_000, maxBuffer: 1 << 24 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr}`);
  return new Uint8Array(result.stdout);
}

function write(response: http.ServerResponse, pieces: Uint8Array[]): void {
  for (const piece of pieces) response.write(piece);
}

describeWithTool('ffmpeg', 'interop: Chromium <img> (needs ffmpeg for the frames)', () => {
  describeWithTool(CHROMIUM_PATH, 'when a native <img> shows a frame', () => {
    let browser: Browser;
    let server: http.Server;
    let port = 0;
    let nextStream: (response: http.ServerResponse) => void = () => {};
    let small: Uint8Array;
    let large: Uint8Array;

    beforeAll(async () => {
      small = makeJpeg('320x240');
      large = makeJpeg('640x360');
      server = http.createServer((request, response) => {
        if (request.url === '/') {
          response.writeHead(200, { 'Content-Type': 'text/html' }).end('<img id="view" src="/stream">');
          return;
        }
        nextStream(response);
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      server?.closeAllConnections();
      server?.close();
    });

    async function open(encoder: MultipartEncoder): Promise<{ page: Page; stream: http.ServerResponse }> {
      const streamArrived = new Promise<http.ServerResponse>((resolve) => {
        nextStream = (response) => {
          response.writeHead(200, { 'Content-Type': encoder.contentType, 'Cache-Control': 'no-store' });
          resolve(response);
        };
      });
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'commit', timeout: 10_000 });
      return { page, stream: await streamArrived };
    }

    const widthIs = (page: Page, width: number) =>
      page.waitForFunction(
        (expected) => (document.getElementById('view') as HTMLImageElement | null)?.naturalWidth === expected,
        width,
        { timeout: 10_000, polling: 50 },
      );

    it('shows each frame at once with advance headers, before the next frame exists', async () => {
      const encoder = new MultipartEncoder();
      const { page, stream } = await open(encoder);
      write(stream, [encoder.advanceOpening(), ...encoder.encodePart(small, {}, { advanceHeaders: true })]);
      await widthIs(page, 320); // the next frame has not been sent
      write(stream, encoder.encodePart(large, {}, { advanceHeaders: true }));
      await widthIs(page, 640);
      stream.end();
      await page.close();
    });

    it("finishes a default-layout frame when the next part's header block arrives (Chromium)", async () => {
      const encoder = new MultipartEncoder();
      const { page, stream } = await open(encoder);
      write(stream, [encoder.opening, ...encoder.encodePart(small)]);
      // Chromium's multipart image parser updates the image when the next part's headers are
      // parsed, not at the delimiter: this documents why advance headers exist.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(
        await page.evaluate(() => (document.getElementById('view') as HTMLImageElement).naturalWidth),
      ).toBe(0);
      const [head, body, tail] = encoder.encodePart(large);
      write(stream, [head!]); // only the next head: no byte of the next frame
      await widthIs(page, 320);
      write(stream, [body!, tail!]);
      stream.end(); // ending the response finishes the last part
      await widthIs(page, 640);
      await page.close();
    });
  });
});
