import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTool, hasTool, toolGate } from '../../../test-support/tools.js';
import { readJpegInfo } from '../src/index.js';
import { corpusDir, corpusNames, expectFramesEverySplit, join, readCorpus } from './helpers.js';

const identify = findTool('identify');
/** What make-corpus.sh runs, and identify to read its output. */
const CORPUS_TOOLS = ['ffmpeg', 'cjpeg', 'convert', 'exiftool', 'identify'];
const missingCorpusTools = CORPUS_TOOLS.filter((tool) => !hasTool(tool));
const corpusTools = toolGate(
  (missingCorpusTools.length > 0 ? missingCorpusTools : CORPUS_TOOLS).join(', '),
  missingCorpusTools.length === 0,
);

/** What ImageMagick's `identify` says, in readJpegInfo's terms. */
function identifyInfo(path: string): Record<string, unknown> {
  const out = execFileSync(
    'identify',
    ['-format', '%w|%h|%[jpeg:sampling-factor]|%[interlace]|%z|%[orientation]|%[channels]', path],
    { encoding: 'utf8', timeout: 20_000 },
  );
  const [width, height, sampling, interlace, depth, orientation, channels] = out.trim().split('|');
  const orientations = [
    'TopLeft',
    'TopRight',
    'BottomRight',
    'BottomLeft',
    'LeftTop',
    'RightTop',
    'RightBottom',
    'LeftBottom',
  ];
  const index = orientations.indexOf(orientation ?? '');
  return {
    width: Number(width),
    height: Number(height),
    sampling: sampling,
    progressive: interlace !== 'None',
    precision: Number(depth),
    orientation: index === -1 ? undefined : index + 1,
    components: channels === 'gray' ? 1 : channels === 'cmyk' ? 4 : 3,
  };
}

function ourInfo(frame: Uint8Array): Record<string, unknown> {
  const info = readJpegInfo(frame);
  return {
    width: info.width,
    height: info.height,
    sampling: info.sampling.map(({ h, v }) => `${h}x${v}`).join(','),
    progressive: info.progressive,
    precision: info.precision,
    orientation: info.orientation,
    components: info.components,
  };
}

describe.skipIf(identify.skip)(`readJpegInfo agrees with ImageMagick identify${identify.label}`, () => {
  it.each(corpusNames)('on %s', (name) => {
    identify.assertPresent();
    expect(ourInfo(readCorpus(name))).toEqual(identifyInfo(joinPath(corpusDir, name)));
  });
});

describe.skipIf(corpusTools.skip)(`the corpus made again by make-corpus.sh${corpusTools.label}`, () => {
  const dir = mkdtempSync(joinPath(tmpdir(), 'jpeg-scanner-corpus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the same files, each scanned whole and split, and read as identify reads it', () => {
    corpusTools.assertPresent();
    execFileSync('sh', [joinPath(corpusDir, 'make-corpus.sh'), dir], { stdio: 'pipe', timeout: 60_000 });
    const names = readdirSync(dir)
      .filter((name) => name.endsWith('.jpg'))
      .sort();
    expect(names).toEqual(corpusNames);
    const frames = names.map((name) => readCorpus(name, dir));
    for (const [i, frame] of frames.entries()) {
      expect(ourInfo(frame), names[i]).toEqual(identifyInfo(joinPath(dir, names[i] as string)));
    }
    expectFramesEverySplit(
      join(...frames),
      frames,
      { frames: frames.length, droppedFrames: 0, skippedBytes: 0 },
      {
        randomSplits: 20,
      },
    );
  });
});
