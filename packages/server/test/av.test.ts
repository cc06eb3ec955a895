import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { encodeMulawSample } from '../src/index.js';
import {
  audio,
  decodeChunked,
  frame,
  get,
  hasHead,
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
    // The source has sent audio before this viewer comes (a viewer gets what is published after it joins).
    server.hub.publish(audio(T0 - 20, 16_000, 0));
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

  it('answers 503 with Retry-After and the reason on a relay without audio, then plays once audio arrives (#9)', async () => {
    const server = await start({}, { audioTimeoutMs: 50 });
    server.hub.publish(frame(0x31));
    for (const request of [
      get('/audio.wav'),
      `HEAD /audio.wav HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ]) {
      const refused = splitResponse(await (await connect(request)).waitForEnd(2000));
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
    }
    const refused = splitResponse(await (await connect(get('/audio.wav'))).waitForEnd(2000));
    expect(refused.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(refused.body.toString()).toMatch(/^503 Service Unavailable: no audio yet/);
    expect(server.hub.listenerCount('audio')).toBe(0);

    server.hub.publish(audio(T0, 8000, 1000));
    const client = await open('/audio.wav');
    expect(splitResponse(client.bytes).status).toBe(200);
    expect(splitResponse(client.bytes).headers['content-type']).toBe('audio/wav');
    server.hub.publish(audio(T0 + 20, 8000, 1000));
    await client.waitFor((bytes) => decodeChunked(splitResponse(bytes).body).data.length >= 44 + 320);
    expect(decodeChunked(splitResponse(client.bytes).body).data.subarray(0, 4).toString()).toBe('RIFF');
  });

  it('waits for the first audio packet of a source that is starting, then streams', async () => {
    const server = await start();
    const client = await connect(get('/audio.wav'));
    await sleep(50);
    expect(client.bytes.length).toBe(0);
    // The wait counts as activity, so a source started only for viewers starts for it.
    expect(server.hub.active).toBe(true);
    server.hub.publish(audio(T0, 8000, 1000));
    await client.waitFor(hasHead, 2000, 'the response head');
    expect(splitResponse(client.bytes).status).toBe(200);
    expect(server.hub.listenerCount('audio')).toBe(0);
    server.hub.publish(audio(T0 + 20, 8000, 1000));
    await client.waitFor((bytes) => decodeChunked(splitResponse(bytes).body).data.length >= 44 + 320);
  });

  it('stops waiting for audio when the client leaves, leaving no listener on the hub', async () => {
    const server = await start({}, { audioTimeoutMs: 10_000 });
    const clients = await Promise.all([connect(get('/audio.wav')), connect(get('/audio.wav'))]);
    const deadline = Date.now() + 2000;
    while (!server.hub.active && Date.now() < deadline) await sleep(5);
    expect(server.hub.active).toBe(true);
    clients[0]!.close();
    await sleep(50);
    expect(server.hub.active).toBe(true); // the other one still waits
    clients[1]!.close();
    while (server.hub.active && Date.now() < deadline + 2000) await sleep(5);
    expect(server.hub.active).toBe(false);
    expect(server.hub.listenerCount('audio')).toBe(0);
  });
});

describe('a relay without audio', () => {
  it('serves /av with video parts only', async () => {
    const server = await start({ repeatStillMs: 0 });
    const client = await open('/av');
    expect(splitResponse(client.bytes).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      server.hub.publish(frame(0x40 + i, T0 + i * 33));
      await sleep(2);
    }
    await client.waitFor(() => partsOf(client).length >= 3);
    expect(partsOf(client).map((part) => part.headers['content-type'])).toEqual([
      'image/jpeg',
      'image/jpeg',
      'image/jpeg',
    ]);
  });
});
