import { PcmJitterBuffer } from './jitter-buffer.js';

/** Name the worklet module registers its processor under. */
export const PCM_PROCESSOR_NAME = 'mjpeg-kit-pcm-player';

/** Messages the main thread sends to the processor. */
export type PcmProcessorMessage =
  | { type: 'pcm'; samples: Float32Array; timestampMs: number }
  | { type: 'clear' };

/** What the processor reports every `reportMs`. */
export interface PcmProcessorReport {
  type: 'state';
  /** Epoch ms of the first sample of the block rendered at `contextTime`, NaN while silent. */
  playheadMs: number;
  /** `AudioContext.currentTime` (seconds) of that block. */
  contextTime: number;
  bufferedMs: number;
  /** The jitter buffer's adapted target. */
  targetMs: number;
  underruns: number;
  droppedSamples: number;
  /** RMS of the samples rendered since the last report (0 = silence, 1 = full scale). */
  level: number;
}

/** Options the processor takes through `processorOptions`. */
export interface PcmProcessorOptions {
  targetMs: number;
  maxMs: number;
  reportMs: number;
}

/**
 * The AudioWorklet module as source text: the jitter buffer's class (its own source, so the
 * worklet and the ScriptProcessor fallback run the same code) plus a processor that plays it and
 * reports its playhead and level. Loaded from a Blob URL, so no separate file has to be served.
 */
export function createPcmWorkletSource(): string {
  return `const PcmJitterBuffer = (${PcmJitterBuffer.toString()});
class MjpegKitPcmPlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.buffer = new PcmJitterBuffer(sampleRate, o.targetMs, o.maxMs);
    this.reportFrames = Math.max(1, Math.round(sampleRate * o.reportMs / 1000));
    this.sinceReport = 0;
    this.sumSquares = 0;
    this.port.onmessage = (event) => {
      const message = event.data;
      if (message.type === 'pcm') this.buffer.push(message.samples, message.timestampMs);
      else if (message.type === 'clear') this.buffer.clear();
    };
  }
  process(inputs, outputs) {
    const output = outputs[0];
    const first = output && output[0];
    if (!first) return true;
    const playheadMs = this.buffer.playheadMs();
    this.buffer.pull(first);
    for (let c = 1; c < output.length; c++) output[c].set(first);
    let sum = 0;
    for (let i = 0; i < first.length; i++) sum += first[i] * first[i];
    this.sumSquares += sum;
    this.sinceReport += first.length;
    if (this.sinceReport >= this.reportFrames) {
      this.port.postMessage({
        type: 'state',
        playheadMs,
        contextTime: currentTime,
        bufferedMs: this.buffer.bufferedMs,
        targetMs: this.buffer.targetMs,
        underruns: this.buffer.underruns,
        droppedSamples: this.buffer.droppedSamples,
        level: Math.sqrt(this.sumSquares / this.sinceReport),
      });
      this.sinceReport = 0;
      this.sumSquares = 0;
    }
    return true;
  }
}
registerProcessor(${JSON.stringify(PCM_PROCESSOR_NAME)}, MjpegKitPcmPlayer);
`;
}
