import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { encodeMulawSample } from '../src/index.js';
import {
  audio,
  decodeChunked,
  frame,
  get,
  partsOf,
  publishUntilBusy,
  sleep,
  splitResponse,
  trackSockets,
  useTestServer,
} from './helpers.js';

const { start, connect, open } = useTestServer();

const T0 = 1_700_000_000_000;

describe('/av', () => {
  it('interleaves image/jpeg and audio/L16 parts in timestamp order', async () => {
    const server = await start({ repeatStillMs: 0 });
    const client = await open('/av');
    // 100 ms: a frame every 33 ms, an audio packet every 20 ms.
    const packets = [
      audio(T0),
      frame(1, T0 + 1),
      audio(T0 + 20),
      frame(2, T0 + 34),
      audio(T0 + 40),
      audio(T0 + 60),
      frame(3, T0 + 67),
      audio(T0 + 80),
    ];
    for (const packet of packets) {
      server.hub.publish(packet);
      await sleep(2);
    }
    await client.waitFor(() => partsOf(client).length >= packets.length);
    const parts = partsOf(client);
    expect(parts.map((part) => part.headers['content-type'])).toEqual(
      packets.map((packet) =>
        packet.type === 'image/jpeg' ? 'image/jpeg' : 'audio/L16;rate=8000;channels=1',
      ),
    );
    const times = parts.map((part) => Number(part.headers['x-timestamp']));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(parts[0]!.body.length).toBe(320);
    expect(parts[0]!.body.readInt16BE(0)).toBe(1000);
  });

  it('orders queued audio and the pending frame by timestamp in one write', async () => {
    const server = await start({ repeatStillMs: 0 });
    const sockets = trackSockets(server);
    const client = await open('/av');
    client.socket.pause();
    const t = await publishUntilBusy(server, sockets.get(client.socket.localPort!)!, T0);
    // Now the socket is busy: these wait in the viewer's slot and queue, published out of order.
    server.hub.publish(audio(t + 40));
    server.hub.publish(frame(0xf0, t + 30));
    server.hub.publish(audio(t + 60));
    client.socket.resume();
    await client.waitFor(
      () => partsOf(client).some((part) => part.headers['x-timestamp'] === ((t + 60) / 1000).toFixed(6)),
      10_000,
    );
    const tail = partsOf(client).slice(-3);
    expect(tail.map((part) => part.headers['content-type']!.split(';')[0])).toEqual([
      'image/jpeg',
      'audio/L16',
      'audio/L16',
    ]);
    expect(tail[0]!.body[60]).toBe(0xf0);
  });

  it('keeps up to audioBufferMs of audio for a slow viewer, dropping the oldest', async () => {
    const server = await start({ repeatStillMs: 0, audioBufferMs: 500 });
    const sockets = trackSockets(server);
    const client = await open('/av');
    client.socket.pause();
    const t = await publishUntilBusy(server, sockets.get(client.socket.localPort!)!, T0);
    const audioStart = t + 1000;
    const count = 100; // 2 s of audio while the viewer is stuck
    for (let i = 0; i < count; i++) server.hub.publish(audio(audioStart + i * 20));
    const last = ((audioStart + (count - 1) * 20) / 1000).toFixed(6);
    client.socket.resume();
    await client.waitFor(() => partsOf(client).some((part) => part.headers['x-timestamp'] === last), 10_000);
    const received = partsOf(client)
      .filter(
        (part) =>
          part.headers['content-type']!.startsWith('audio/') &&
          Number(part.headers['x-timestamp']) * 1000 >= audioStart - 0.5,
      )
      .map((part) => Math.round(Number(part.headers['x-timestamp']) * 1000 - audioStart) / 20);
    // The newest 500 ms (25 packets of 20 ms), contiguous, ending with the last one.
    expect(received.length).toBe(25);
    expect(received).toEqual(Array.from({ length: 25 }, (_, i) => count - 25 + i));
    expect(server.hub.stats.audioPacketsDropped).toBe(count - 25);
  });

  it('sends G.711 µ-law at 8 kHz with ?audio=pcmu, resampled from 16 kHz', async () => {
    const server = await start({ repeatStillMs: 0 });
    const client = await open('/av?audio=pcmu');
    server.hub.publish(audio(T0, 16_000, 1000));
    server.hub.publish(audio(T0 + 20, 16_000, -2000));
    await client.waitFor(() => partsOf(client).length >= 2);
    const [first, second] = partsOf(client);
    expect(first!.headers['content-type']).toBe('audio/PCMU;rate=8000');
    expect(first!.body.length).toBe(160);
    expect([...first!.body.subarray(0, 159)].every((code) => code === encodeMulawSample(1000))).toBe(true);
    expect(second!.body.length).toBe(160);
    expect(second!.body.at(-1)).toBe(encodeMulawSample(-2000));
  });
});

describe('/audio.wav', () => {
  it('streams a RIFF/WAVE header with 0xFFFFFFFF sizes, then little-endian samples', async () => {
    const server = await start();
    const client = await open('/audio.wav');
    expect(splitResponse(client.bytes).headers['content-type']).toBe('audio/wav');
    server.hub.publish(audio(T0, 16_000, 1000));
    server.hub.publish(audio(T0 + 20, 16_000, -2));
    await client.waitFor((bytes) => decodeChunked(splitResponse(bytes).body).data.length >= 44 + 2 * 640);
    const data = decodeChunked(splitResponse(client.bytes).body).data;
    const header = Buffer.concat([
      Buffer.from('RIFF'),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      Buffer.from('WAVEfmt '),
      Buffer.from([16, 0, 0, 0, 1, 0, 1, 0]),
      Buffer.from([0x80, 0x3e, 0, 0]), // 16000
      Buffer.from([0x00, 0x7d, 0, 0]), // 32000 bytes per second
      Buffer.from([2, 0, 16, 0]),
      Buffer.from('data'),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
    ]);
    expect(data.subarray(0, 44)).toEqual(header);
    expect([...data.subarray(44, 48)]).toEqual([0xe8, 0x03, 0xe8, 0x03]);
    expect(data.readInt16LE(44 + 640)).toBe(-2);
    expect(data.length).toBe(44 + 1280);
  });

  it('answers 404 when the handler has no audio', async () => {
    await start({}, { audio: false });
    const client = await connect(get('/audio.wav'));
    expect(splitResponse(await client.waitForEnd()).status).toBe(404);
  });
});
