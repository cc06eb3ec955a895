import type { LogLevel } from './args.js';

/** Leveled log lines on stderr (stdout carries only the readiness line). */
export interface Logger {
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2 };

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const at = RANK[level];
  const stamp = () => new Date().toISOString();
  return {
    debug: (line) => at <= 0 && write(`${stamp()} debug ${line}`),
    info: (line) => at <= 1 && write(`${stamp()} info ${line}`),
    warn: (line) => at <= 2 && write(`${stamp()} warn ${line}`),
  };
}

/** A `log(line, event)` callback (as `runSource` takes) that writes each line at its event's level. */
export function logAtLevel(log: Logger): (line: string, event: { level: LogLevel }) => void {
  return (line, event) => log[event.level](line);
}
