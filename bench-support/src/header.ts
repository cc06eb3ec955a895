import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

/** What a bench run was measured on: every field the header prints. */
export interface RunContext {
  /** `process.version`, e.g. `v20.20.2`. */
  node: string;
  cpuModel: string;
  /** Logical cores the OS reports. */
  cores: number;
  /** The OS load average over 1, 5 and 15 minutes, read when the header is made. */
  loadAverage: [number, number, number];
  /** ISO 8601 instant the header was made. */
  date: string;
  /** Short hash of the checked-out commit, or `undefined` outside a git checkout. */
  commit: string | undefined;
  /** Whether tracked files differ from that commit (the run timed uncommitted code). */
  uncommittedChanges: boolean;
}

/** Reads the run's context from the OS and from git (run in `cwd`, default this process's). */
export function readRunContext(cwd = process.cwd()): RunContext {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  const cpu = cpus();
  return {
    node: process.version,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown CPU',
    cores: cpu.length,
    loadAverage: [one, five, fifteen],
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short=10', 'HEAD'], cwd),
    uncommittedChanges: (git(['status', '--porcelain', '--untracked-files=no'], cwd) ?? '') !== '',
  };
}

/** `1.23 0.98 0.76 (1/5/15 min)`: the load average as the header prints it. */
export function formatLoadAverage(loadAverage: readonly number[] = loadavg()): string {
  return `${loadAverage.map((value) => value.toFixed(2)).join(' ')} (1/5/15 min)`;
}

/**
 * The header every bench prints before its tables, so no number in `docs/benchmarks.md` needs a
 * hand-typed context: a title line, then Node, CPU, load average, date and commit on one line.
 * A load average above the core count means other work shared the cores during the run.
 */
export function formatRunHeader(title: string, context: RunContext = readRunContext()): string {
  const commit =
    context.commit === undefined
      ? 'commit unknown (not a git checkout)'
      : `commit ${context.commit}${context.uncommittedChanges ? ' + uncommitted changes' : ''}`;
  const busy = context.loadAverage[0] > context.cores ? ' (above the core count: the machine was busy)' : '';
  return [
    `# ${title}`,
    '',
    `Node ${context.node}, ${context.cpuModel} (${context.cores} cores), load average ${formatLoadAverage(context.loadAverage)}${busy}, ${context.date}, ${commit}`,
    '',
  ].join('\n');
}

/** Prints {@link formatRunHeader} for `title` to stdout. */
export function printRunHeader(title: string): void {
  console.log(formatRunHeader(title));
}

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}
