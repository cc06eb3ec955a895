import { decodeMulawFloat32, type MediaPacket, readL16Float32 } from '@mjpeg-kit/bytes';
import { PcmJitterBuffer } from './jitter-buffer.js';
import { LinearResampler } from './linear-resampler.js';
import {
  createPcmWorkletSource,
  PCM_PROCESSOR_NAME,
  type PcmProcessorMessage,
  type PcmProcessorOptions,
  type PcmProcessorReport,
} from './worklet-source.js';

/** Default jitter buffer: audio built up before playing, milliseconds. */
export const DEFAULT_JITTER_BUFFER_MS = 80;
/** Default ceiling of buffered audio before the oldest is dropped, milliseconds. */
export const DEFAULT_MAX_AUDIO_BUFFER_MS = 240;
const REPORT_MS = 50;
/** ScriptProcessor block: 2048 frames is ~43 ms at 48 kHz, the smallest size that rarely glitches. */
const SCRIPT_PROCESSOR_FRAMES = 2048;

/** Options of {@link AudioOutput.create}. */
export interface AudioOutputOptions {
  /** Audio built up before playing, ms (default {@link DEFAULT_JITTER_BUFFER_MS}). */
  jitterBufferMs?: number;
  /** Buffered audio above which the oldest is dropped, ms (default {@link DEFAULT_MAX_AUDIO_BUFFER_MS}). */
  maxBufferMs?: number;
  /** Start muted (default false). */
  muted?: boolean;
  /** Use the ScriptProcessor path even where AudioWorklet exists (tests, debugging). */
  forceScriptProcessor?: boolean;
}

/** Live audio counters. */
export interface AudioStats {
  /** Which Web Audio path plays: `worklet`, or `script-processor` where AudioWorklet is missing (insecure origins). */
  path: 'worklet' | 'script-processor';
  /** The AudioContext's rate, Hz. */
  contextSampleRateHz: number;
  /** The stream's rate, Hz (0 before the first packet). */
  sourceSampleRateHz: number;
  bufferedMs: number;
  /** The jitter buffer's target now (0 before its first report): `jitterBufferMs`, raised by underruns up to 3×, decaying back. */
  jitterTargetMs: number;
  underruns: number;
  /** Audio dropped to stay in sync (late packets, or trimmed after a burst), ms. */
  droppedMs: number;
  /** RMS of what the context rendered recently, 0..1, read from an AnalyserNode after the gain. */
  level: number;
  muted: boolean;
  packets: number;
}

/**
 * Plays `audio/L16` and `audio/PCMU` packets through Web Audio: decode to floats, resample to the
 * context rate, queue in a {@link PcmJitterBuffer} inside an AudioWorklet (or a ScriptProcessorNode
 * where AudioWorklet is missing, e.g. pages served over plain http from a LAN address, which are not
 * a secure context). Exposes the audio clock, the capture time of what is audible now, so the
 * player can hold pictures back to match.
 */
export class AudioOutput {
  readonly context: AudioContext;
  readonly #gain: GainNode;
  readonly #analyser: AnalyserNode;
  readonly #node: AudioWorkletNode | ScriptProcessorNode;
  readonly #local: PcmJitterBuffer | undefined;
  readonly #path: AudioStats['path'];
  #resampler: LinearResampler | undefined;
  #report: PcmProcessorReport | undefined;
  #packets = 0;
  #muted: boolean;
  #closed = false;
  readonly #levelScratch: Float32Array<ArrayBuffer>;

  private constructor(
    context: AudioContext,
    node: AudioWorkletNode | ScriptProcessorNode,
    local: PcmJitterBuffer | undefined,
    muted: boolean,
  ) {
    this.context = context;
    this.#node = node;
    this.#local = local;
    this.#path = local ? 'script-processor' : 'worklet';
    this.#muted = muted;
    this.#gain = context.createGain();
    this.#gain.gain.value = muted ? 0 : 1;
    this.#analyser = context.createAnalyser();
    this.#analyser.fftSize = 2048;
    this.#levelScratch = new Float32Array(this.#analyser.fftSize);
    node.connect(this.#gain);
    this.#gain.connect(this.#analyser);
    this.#analyser.connect(context.destination);
    if (node instanceof AudioWorkletNode) {
      node.port.onmessage = (event: MessageEvent<PcmProcessorReport>) => {
        this.#report = event.data;
      };
    }
  }

  /**
   * Creates the AudioContext and its graph. Call it from a user gesture (a click handler), as
   * autoplay rules require, or the context stays suspended.
   */
  static async create(options: AudioOutputOptions = {}): Promise<AudioOutput> {
    const context = new AudioContext({ latencyHint: 'interactive' });
    const targetMs = options.jitterBufferMs ?? DEFAULT_JITTER_BUFFER_MS;
    const maxMs = Math.max(targetMs + 20, options.maxBufferMs ?? DEFAULT_MAX_AUDIO_BUFFER_MS);
    // resume() inside the gesture, before any await, so the gesture still counts. Not awaited:
    // without a gesture its promise stays pending until one comes (Web Audio §1.1.6, resume()).
    void context.resume().catch(() => undefined);
    let output: AudioOutput | undefined;
    if (!options.forceScriptProcessor && context.audioWorklet && typeof AudioWorkletNode === 'function') {
      const url = URL.createObjectURL(new Blob([createPcmWorkletSource()], { type: 'text/javascript' }));
      try {
        await context.audioWorklet.addModule(url);
        const processorOptions: PcmProcessorOptions = { targetMs, maxMs, reportMs: REPORT_MS };
        const node = new AudioWorkletNode(context, PCM_PROCESSOR_NAME, {
          numberOfInputs: 0,
          numberOfOutputs: 1,
          outputChannelCount: [1],
          processorOptions,
        });
        output = new AudioOutput(context, node, undefined, options.muted ?? false);
      } catch {
        // A Content-Security-Policy without blob: in script-src refuses the module: fall back.
      } finally {
        URL.revokeObjectURL(url);
      }
    }
    if (!output) {
      const local = new PcmJitterBuffer(context.sampleRate, targetMs, maxMs);
      const node = context.createScriptProcessor(SCRIPT_PROCESSOR_FRAMES, 1, 1);
      const fallback = new AudioOutput(context, node, local, options.muted ?? false);
      node.onaudioprocess = (event) => fallback.#renderLocal(event);
      output = fallback;
    }
    return output;
  }

  #renderLocal(event: AudioProcessingEvent): void {
    const local = this.#local!;
    const out = event.outputBuffer.getChannelData(0);
    const playheadMs = local.playheadMs();
    local.pull(out);
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i]! * out[i]!;
    this.#report = {
      type: 'state',
      playheadMs,
      contextTime: event.playbackTime,
      bufferedMs: local.bufferedMs,
      targetMs: local.targetMs,
      underruns: local.underruns,
      droppedSamples: local.droppedSamples,
      level: Math.sqrt(sum / Math.max(1, out.length)),
    };
  }

  /** Queues one audio packet; other media types are ignored. */
  push(packet: MediaPacket): void {
    if (this.#closed) return;
    let samples: Float32Array<ArrayBuffer>;
    if (packet.type === 'audio/L16') samples = readL16Float32(packet.body, packet.channels ?? 1);
    else if (packet.type === 'audio/PCMU') samples = decodeMulawFloat32(packet.body, packet.channels ?? 1);
    else return;
    // RFC 3551 §4.5.14: PCMU without a rate parameter is 8000 Hz; L16 without one is taken as 8000 too.
    const sourceRate = packet.sampleRate ?? 8000;
    if (this.#resampler?.fromHz !== sourceRate)
      this.#resampler = new LinearResampler(sourceRate, this.context.sampleRate);
    const resampled = this.#resampler.process(samples);
    this.#packets++;
    if (this.#local) {
      this.#local.push(resampled, packet.timestamp);
      return;
    }
    const message: PcmProcessorMessage = { type: 'pcm', samples: resampled, timestampMs: packet.timestamp };
    (this.#node as AudioWorkletNode).port.postMessage(message, [resampled.buffer]);
  }

  /** Drops everything queued and primes again (after a reconnect or a pause). */
  clear(): void {
    this.#resampler?.reset();
    this.#report = undefined;
    if (this.#local) this.#local.clear();
    else (this.#node as AudioWorkletNode).port.postMessage({ type: 'clear' } satisfies PcmProcessorMessage);
  }

  /**
   * The audio clock: epoch ms at which the sample audible right now was captured, or `undefined`
   * while nothing plays (priming, underrun, suspended). Accounts for the output latency.
   */
  clockMs(): number | undefined {
    const report = this.#report;
    if (!report || Number.isNaN(report.playheadMs) || this.context.state !== 'running') return undefined;
    const latencySeconds = (this.context.outputLatency || 0) + (this.context.baseLatency || 0);
    return report.playheadMs + (this.context.currentTime - report.contextTime - latencySeconds) * 1000;
  }

  get muted(): boolean {
    return this.#muted;
  }

  /** Mutes or unmutes; audio keeps flowing (silently), so the clock and sync stay valid. */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    this.#gain.gain.setTargetAtTime(muted ? 0 : 1, this.context.currentTime, 0.015);
  }

  /** RMS of the last ~43 ms the context rendered, 0..1 (read from an AnalyserNode after the gain). */
  level(): number {
    if (this.#closed) return 0;
    this.#analyser.getFloatTimeDomainData(this.#levelScratch);
    let sum = 0;
    for (let i = 0; i < this.#levelScratch.length; i++)
      sum += this.#levelScratch[i]! * this.#levelScratch[i]!;
    return Math.sqrt(sum / this.#levelScratch.length);
  }

  get stats(): AudioStats {
    const report = this.#report;
    const rate = this.context.sampleRate;
    return {
      path: this.#path,
      contextSampleRateHz: rate,
      sourceSampleRateHz: this.#resampler?.fromHz ?? 0,
      bufferedMs: report?.bufferedMs ?? 0,
      jitterTargetMs: report?.targetMs ?? 0,
      underruns: report?.underruns ?? 0,
      droppedMs: ((report?.droppedSamples ?? 0) * 1000) / rate,
      level: this.level(),
      muted: this.#muted,
      packets: this.#packets,
    };
  }

  /** Suspends the context (while paused or hidden); {@link resume} restarts it. */
  async suspend(): Promise<void> {
    if (this.#closed) return;
    this.clear();
    await this.context.suspend().catch(() => undefined);
  }

  /** Resumes the context; the promise stays pending until a user gesture allows sound. */
  async resume(): Promise<void> {
    if (this.#closed) return;
    await this.context.resume().catch(() => undefined);
  }

  /** Disconnects the graph and closes the AudioContext. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#report = undefined;
    if (this.#node instanceof AudioWorkletNode) this.#node.port.onmessage = null;
    else this.#node.onaudioprocess = null;
    this.#node.disconnect();
    this.#gain.disconnect();
    this.#analyser.disconnect();
    await this.context.close().catch(() => undefined);
  }
}
