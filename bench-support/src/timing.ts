/** How long {@link timeRoundRobin} measures. */
export interface RoundRobinOptions {
  /** CPU milliseconds spent on each run, summed over the passes. Default 700. */
  budgetMs?: number;
  /** Passes made at least, whatever the budget. Default 5. */
  minPasses?: number;
  /** Passes made at most, whatever the budget. Default 100. */
  maxPasses?: number;
  /**
   * Each sample lasts at least this many CPU milliseconds (fast runs are called several times
   * per sample), since `process.cpuUsage` is coarse. Default 20.
   */
  sampleMs?: number;
}

/** The defaults, and the short budget `--quick` uses to prove a bench runs. */
export const DEFAULT_BUDGET_MS = 700;
export const QUICK_BUDGET_MS = 60;

/**
 * Times `runs` in turns and returns each one's best CPU seconds per call (user + system time of
 * this process, so a busy machine's scheduler is mostly left out). After a warm-up of each,
 * the runs take turns, one sample each per pass with the order rotating every pass, so each is
 * timed after each of the others and none always pays for the garbage of the same neighbour;
 * a burst of load from elsewhere hits them alike. The best sample is the least disturbed one.
 * Each run returns a number derived from its output, kept so the engine cannot skip the work.
 */
export function timeRoundRobin(runs: readonly (() => number)[], options: RoundRobinOptions = {}): number[] {
  const budgetMicros = (options.budgetMs ?? DEFAULT_BUDGET_MS) * 1000;
  const minPasses = options.minPasses ?? 5;
  const maxPasses = options.maxPasses ?? 100;
  const sampleMicros = (options.sampleMs ?? 20) * 1000;
  let sink = 0;
  // Warm up (at least two calls and a quarter of a sample, so the engine has optimised the run),
  // then size each run's batch from its warm calls.
  const batches = runs.map((run) => {
    sink += run();
    let calls = 0;
    const start = process.cpuUsage();
    let micros = 0;
    while (calls < 2 || micros < sampleMicros / 4) {
      sink += run();
      calls++;
      micros = cpuMicrosSince(start);
    }
    return batchFor(sampleMicros, micros / calls);
  });
  const best = runs.map(() => Number.POSITIVE_INFINITY);
  const spent = runs.map(() => 0);
  for (let pass = 0; pass < maxPasses; pass++) {
    if (pass >= minPasses && spent.every((micros) => micros >= budgetMicros)) break;
    for (let k = 0; k < runs.length; k++) {
      const index = (pass + k) % runs.length;
      const run = runs[index]!;
      const batch = batches[index]!;
      const start = process.cpuUsage();
      for (let call = 0; call < batch; call++) sink += run();
      const micros = cpuMicrosSince(start);
      spent[index]! += micros;
      best[index] = Math.min(best[index]!, micros / batch / 1e6);
      // A run that got faster after the warm-up (later JIT tiers) gets a larger batch.
      if (micros < sampleMicros / 2) batches[index] = batchFor(sampleMicros, micros / batch);
    }
  }
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink);
  // cpuUsage has microsecond resolution; a sample can read 0 on a very fast run.
  return best.map((seconds) => Math.max(seconds, 1e-12));
}

function batchFor(sampleMicros: number, microsPerCall: number): number {
  return Math.min(1_000_000, Math.max(1, Math.ceil(sampleMicros / Math.max(microsPerCall, 0.001))));
}

function cpuMicrosSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}
