import { describe, expect, it } from 'vitest';
import { PcmJitterBuffer } from '../src/dom/jitter-buffer.js';
import { createPcmWorkletSource, PCM_PROCESSOR_NAME } from '../src/dom/worklet-source.js';

const RATE = 1000; // one sample per millisecond keeps the arithmetic readable

function block(length: number, value: number): Float32Array {
  return new Float32Array(length).fill(value);
}

describe('PcmJitterBuffer', () => {
  it('plays silence until the target is buffered, then the samples in order', () => {
    const buffer = new PcmJitterBuffer(RATE, 40, 200);
    const out = new Float32Array(10);
    buffer.push(block(20, 0.5), 1000);
    expect(buffer.pull(out)).toBe(0);
    expect(out.every((s) => s === 0)).toBe(true);
    expect(buffer.playheadMs()).toBeNaN();
    buffer.push(block(20, 0.25), 1020);
    expect(buffer.playheadMs()).toBe(1000);
    expect(buffer.pull(out)).toBe(10);
    expect(out.every((s) => s === 0.5)).toBe(true);
    expect(buffer.playheadMs()).toBe(1010);
    const wide = new Float32Array(20);
    buffer.pull(wide);
    expect(Array.from(wide.subarray(0, 10))).toEqual(Array(10).fill(0.5));
    expect(Array.from(wide.subarray(10))).toEqual(Array(10).fill(0.25));
    expect(buffer.playheadMs()).toBe(1030);
  });

  it('counts an underrun, pads with silence and primes again', () => {
    const buffer = new PcmJitterBuffer(RATE, 10, 100);
    buffer.push(block(10, 1), 0);
    const out = new Float32Array(16);
    expect(buffer.pull(out)).toBe(10);
    expect(Array.from(out.subarray(10))).toEqual(Array(6).fill(0));
    expect(buffer.underruns).toBe(1);
    expect(buffer.priming).toBe(true);
    buffer.push(block(5, 1), 10);
    expect(buffer.pull(new Float32Array(4))).toBe(0);
  });

  it('raises the target and the ceiling a step per underrun, to 3× at most, and primes to the raised target', () => {
    const buffer = new PcmJitterBuffer(RATE, 10, 30);
    // Exactly the target arrives, one more sample is asked for: the buffer runs dry.
    const underrun = () => {
      buffer.push(block(buffer.targetSamples, 1), buffer.nextTimestamp || 0);
      buffer.pull(new Float32Array(buffer.targetSamples + 1));
    };
    underrun();
    expect([buffer.underruns, buffer.targetMs, buffer.maxSamples]).toEqual([1, 20, 40]);
    buffer.push(block(15, 1), buffer.nextTimestamp);
    expect(buffer.pull(new Float32Array(1))).toBe(0);
    buffer.push(block(5, 1), buffer.nextTimestamp);
    expect(buffer.pull(new Float32Array(1))).toBe(1);
    buffer.clear();
    underrun();
    underrun();
    expect([buffer.underruns, buffer.targetMs, buffer.maxSamples]).toEqual([3, 30, 50]);
    underrun();
    expect([buffer.underruns, buffer.targetMs, buffer.maxSamples]).toEqual([4, 30, 50]);
  });

  it('brings a raised target down a step after stableSeconds (10 s) of play without an underrun', () => {
    const buffer = new PcmJitterBuffer(RATE, 10, 30);
    buffer.push(block(10, 1), 0);
    buffer.pull(new Float32Array(20));
    expect(buffer.targetMs).toBe(20);
    expect(buffer.stableSeconds).toBe(10);
    const stableSamples = buffer.stableSeconds * RATE;
    const out = new Float32Array(10);
    buffer.push(block(30, 1), buffer.nextTimestamp);
    for (let played = 0; played < stableSamples - 10; played += 10) {
      buffer.push(block(10, 1), buffer.nextTimestamp);
      expect(buffer.pull(out)).toBe(10);
    }
    expect(buffer.targetMs).toBe(20);
    buffer.push(block(10, 1), buffer.nextTimestamp);
    buffer.pull(out);
    expect([buffer.underruns, buffer.targetMs, buffer.maxSamples]).toEqual([1, 10, 30]);
  });

  it('trims the oldest audio back to the target when a burst exceeds the ceiling', () => {
    const buffer = new PcmJitterBuffer(RATE, 20, 50);
    for (let i = 0; i < 6; i++) buffer.push(block(10, i), i * 10);
    expect(buffer.buffered).toBe(20);
    expect(buffer.droppedSamples).toBe(40);
    expect(buffer.playheadMs()).toBe(40);
    const out = new Float32Array(20);
    buffer.pull(out);
    expect(Array.from(out)).toEqual([...Array(10).fill(4), ...Array(10).fill(5)]);
  });

  it('drops a late or repeated packet wholly before the queued audio', () => {
    const buffer = new PcmJitterBuffer(RATE, 10, 100);
    buffer.push(block(20, 1), 100);
    buffer.push(block(20, 2), 60);
    expect(buffer.buffered).toBe(20);
    expect(buffer.droppedSamples).toBe(20);
    buffer.push(block(20, 3), 120);
    expect(buffer.buffered).toBe(40);
  });

  it('forgets everything on clear()', () => {
    const buffer = new PcmJitterBuffer(RATE, 10, 100);
    buffer.push(block(20, 1), 100);
    buffer.clear();
    expect(buffer.buffered).toBe(0);
    expect(buffer.playheadMs()).toBeNaN();
    buffer.push(block(20, 1), 50);
    expect(buffer.buffered).toBe(20);
  });
});

describe('createPcmWorkletSource', () => {
  type Processor = {
    port: { onmessage: ((event: { data: unknown }) => void) | null; postMessage: (data: unknown) => void };
    process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
  };

  function loadWorklet(sampleRate: number) {
    const registered = new Map<string, new (options: unknown) => Processor>();
    const reports: Record<string, number | string>[] = [];
    class AudioWorkletProcessor {
      port = { onmessage: null, postMessage: (data: Record<string, number | string>) => reports.push(data) };
    }
    const scope = { currentTime: 0 };
    const run = new Function(
      'AudioWorkletProcessor',
      'registerProcessor',
      'sampleRate',
      'scope',
      `with (scope) { ${createPcmWorkletSource()} }`,
    );
    run(
      AudioWorkletProcessor,
      (name: string, ctor: new (options: unknown) => Processor) => registered.set(name, ctor),
      sampleRate,
      scope,
    );
    return { registered, reports, scope };
  }

  it('registers a processor that plays pushed PCM after the jitter target and reports level and playhead', () => {
    const { registered, reports, scope } = loadWorklet(1000);
    const Processor = registered.get(PCM_PROCESSOR_NAME)!;
    expect(Processor).toBeTypeOf('function');
    const processor = new Processor({ processorOptions: { targetMs: 20, maxMs: 200, reportMs: 10 } });
    processor.port.onmessage!({ data: { type: 'pcm', samples: block(40, 0.5), timestampMs: 5000 } });
    const left = new Float32Array(10);
    const right = new Float32Array(10);
    expect(processor.process([], [[left, right]])).toBe(true);
    expect(Array.from(left)).toEqual(Array(10).fill(0.5));
    expect(Array.from(right)).toEqual(Array(10).fill(0.5));
    scope.currentTime = 0.01;
    processor.process([], [[new Float32Array(10)]]);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatchObject({ type: 'state', playheadMs: 5000, level: 0.5, bufferedMs: 30 });
    expect(reports[1]).toMatchObject({ playheadMs: 5010, contextTime: 0.01 });
    processor.port.onmessage!({ data: { type: 'clear' } });
    const silent = new Float32Array(10);
    processor.process([], [[silent]]);
    expect(silent.every((s) => s === 0)).toBe(true);
  });
});
