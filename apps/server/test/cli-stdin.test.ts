/**
 * Standard input as a source (`--source stdin`, `--audio pcm:-`), against the built CLI: a
 * quiet stdin never holds up a shutdown, an idle stop leaves stdin readable for the next run,
 * and the end of stdin is final: offline with the reason, viewers kept, no restart loop.
 */
import { JpegScanner } from '@mjpeg-kit/jpeg-scanner';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, fetchAll, getState, isJpeg, sleep, trackCli, waitUntil } from './cli-harness.js';

const LIGHT = ['--port', '0', '--size', '160x120', '--fps', '10'];
/** A shutdown must finish well inside systemd's stop timeout; this is ours. */
const EXIT_BOUND_MS = 5000;

const tracked = trackCli();
const read = tracked.read;
function start(args: string[]): CliProcess {
  return tracked.start(args, { stdin: 'pipe' });
}

/** Two clips whose frames differ, so a test can tell which one a viewer got. */
let clipA: Buffer;
let clipB: Buffer;
beforeAll(() => {
  clipA = Buffer.concat([1, 2, 3, 4, 5].map((fill) => makeJpeg(160, 120, fill)));
  clipB = Buffer.concat([6, 7, 8, 9, 10].map((fill) => makeJpeg(160, 120, fill)));
});

/**
 * A JPEG-shaped frame (SOI, SOF0 with the size, SOS, entropy-coded bytes, EOI): what the
 * scanner cuts and `/state` reads the size of; nobody here decodes it.
 */
function makeJpeg(width: number, height: number, fill: number): Buffer {
  const sof = [0xff, 0xc0, 0x00, 0x0b, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x01];
  const sos = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00];
  return Buffer.from([
    0xff,
    0xd8,
    ...sof,
    0x01,
    0x11,
    0x00,
    ...sos,
    ...new Array(256).fill(fill),
    0xff,
    0xd9,
  ]);
}

/** One second of a sine with a `period` of samples, as S16_LE at 8 kHz. */
function pcm(period: number): Buffer {
  const samples = Buffer.alloc(8000 * 2);
  for (let i = 0; i < 8000; i++)
    samples.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * i) / period)), i * 2);
  return samples;
}

async function exitsOnSigterm(cli: CliProcess): Promise<void> {
  const startedAt = Date.now();
  cli.child.kill('SIGTERM');
  const result = await cli.exit(EXIT_BOUND_MS);
  expect(result, cli.stderr).toEqual({ code: 0, signal: null });
  expect(Date.now() - startedAt).toBeLessThan(EXIT_BOUND_MS);
}

function countMatches(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern, 'g'))?.length ?? 0;
}

describe('--source stdin', () => {
  it('exits 0 promptly on SIGTERM while stdin is quiet (#9)', async () => {
    const cli = start([...LIGHT, '--audio', 'none', '--source', 'stdin']);
    const url = await cli.ready();
    const stream = read(`${url}stream`);
    await waitUntil(() => stream.response, 5000, 'the stream to open');
    await exitsOnSigterm(cli);
  });

  it('stops when idle and, restarted for a later viewer, reads what is written to stdin after (#9)', async () => {
    const cli = start([...LIGHT, '--audio', 'none', '--source', 'stdin', '--idle-stop', '0.3']);
    const url = await cli.ready();
    const first = read(`${url}stream`);
    await waitUntil(() => first.response, 5000, 'the first viewer');
    cli.child.stdin!.write(clipA);
    await first.waitForParts(3);
    first.close();
    await waitUntil(
      async () => ((await getState(url)).source.error === 'stopped while idle' ? true : undefined),
      5000,
      'the idle stop',
    );
    const starts = countMatches(cli.stderr, /a viewer came: starting/);

    const later = read(`${url}stream`);
    await waitUntil(
      () => (countMatches(cli.stderr, /a viewer came: starting/) > starts ? true : undefined),
      5000,
      'a restart',
    );
    await sleep(100);
    cli.child.stdin!.write(clipB);
    const wanted = renderedFrames(clipB);
    await waitUntil(
      () => (later.parts().some((part) => wanted.has(part.toString('hex'))) ? true : undefined),
      10_000,
      'a frame written after the restart',
    );
    expect((await getState(url)).source.online).toBe(true);
  });

  it('takes the end of stdin as final: offline with the reason, viewers and snapshot kept, no restarts (#9)', async () => {
    const cli = start([...LIGHT, '--audio', 'none', '--source', 'stdin']);
    const url = await cli.ready();
    const stream = read(`${url}stream`);
    await waitUntil(() => stream.response, 5000, 'the stream to open');
    cli.child.stdin!.end(clipA);
    const parts = await stream.waitForParts(3);
    const offline = await waitUntil(
      async () => {
        const state = await getState(url);
        return state.source.online ? undefined : state;
      },
      5000,
      'the source to go offline',
    );
    expect(offline.source).toMatchObject({ kind: 'stdin', online: false });
    expect(offline.source.error).toMatch(/^standard input ended/);
    expect(offline.viewers).toBe(1);
    const snapshot = await fetchAll(`${url}snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    expect(isJpeg(snapshot.body)).toBe(true);
    expect(snapshot.body.equals(parts.at(-1)!)).toBe(true);
    await sleep(1500); // long enough for two restarts at the shortest backoff
    expect(stream.ended).toBe(false);
    expect((await getState(url)).source.error).toMatch(/^standard input ended/);
    expect(countMatches(cli.stderr, /standard input ended/)).toBe(1);
    expect(cli.stderr).not.toMatch(/restarting in/);
    await exitsOnSigterm(cli);
  });
});

describe('--audio pcm:-', () => {
  const PCM_ARGS = [...LIGHT, '--audio', 'pcm:-?rate=8000'];

  it('exits 0 promptly on SIGTERM while stdin is quiet (#9)', async () => {
    const cli = start(PCM_ARGS);
    const url = await cli.ready();
    const stream = read(`${url}stream`);
    await stream.waitForParts(1);
    await exitsOnSigterm(cli);
  });

  it('stops when idle and, restarted for a later listener, reads what is written to stdin after (#9)', async () => {
    const cli = start([...PCM_ARGS, '--idle-stop', '0.3']);
    const url = await cli.ready();
    const first = read(`${url}audio.wav`);
    // The listener waits for the first audio, and its wait starts the source.
    await waitUntil(
      () => (/a viewer came: starting audio source/.test(cli.stderr) ? true : undefined),
      5000,
      'the start',
    );
    cli.child.stdin!.write(pcm(20));
    await waitUntil(() => (Buffer.concat(first.chunks).length > 44 + 640 ? true : undefined));
    first.close();
    await waitUntil(
      () => (/no viewers for 0\.3 s: stopping/.test(cli.stderr) ? true : undefined),
      5000,
      'the idle stop',
    );
    const starts = countMatches(cli.stderr, /a viewer came: starting/);

    const later = read(`${url}audio.wav`);
    await waitUntil(
      () => (countMatches(cli.stderr, /a viewer came: starting/) > starts ? true : undefined),
      5000,
      'a restart',
    );
    await sleep(100);
    const tone = pcm(7);
    cli.child.stdin!.write(tone);
    // Samples of the second tone, little-endian as they came in, from its last packets (a
    // slow listener may lose the oldest audio, never the newest).
    const probe = tone.subarray(15_400, 15_464);
    await waitUntil(
      () => (Buffer.concat(later.chunks).includes(probe) ? true : undefined),
      10_000,
      'samples written after the restart',
    );
    expect(Buffer.concat(later.chunks).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('takes the end of stdin as final: logged once, not restarted, video unaffected (#9)', async () => {
    const cli = start(PCM_ARGS);
    const url = await cli.ready();
    const stream = read(`${url}stream`);
    await stream.waitForParts(1);
    cli.child.stdin!.end(pcm(20));
    await sleep(300);
    const before = stream.parts().length;
    await sleep(1500); // long enough for two restarts at the shortest backoff
    expect(cli.stderr).not.toMatch(/audio source .*restarting in/);
    expect(countMatches(cli.stderr, /audio source ended: standard input ended/)).toBe(1);
    expect(stream.parts().length).toBeGreaterThan(before + 5);
    expect((await getState(url)).source.online).toBe(true);
    await exitsOnSigterm(cli);
  });
});

/** The hex of every JPEG in a clip, to recognise its frames. */
function renderedFrames(clip: Buffer): Set<string> {
  const frames = new JpegScanner().push(clip);
  return new Set(frames.map((frame) => Buffer.from(frame).toString('hex')));
}
