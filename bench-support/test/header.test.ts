import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLoadAverage, formatRunHeader, type RunContext, readRunContext } from '../src/index.js';

const context: RunContext = {
  node: 'v20.20.2',
  cpuModel: 'AMD EPYC 7B13',
  cores: 2,
  loadAverage: [0.5, 1.25, 3],
  date: '2026-11-24T02:32:06.956Z',
  commit: '9407c26abc',
  uncommittedChanges: true,
};

describe('run header', () => {
  it('prints Node, CPU and core count, the three load averages, the date and the commit on one line', () => {
    const line = formatRunHeader('@mjpeg-kit/chunked', context).split('\n')[2];
    expect(line).toBe(
      'Node v20.20.2, AMD EPYC 7B13 (2 cores), load average 0.50 1.25 3.00 (1/5/15 min), ' +
        '2026-11-24T02:32:06.956Z, commit 9407c26abc + uncommitted changes',
    );
  });

  it('starts with the title as a heading', () => {
    expect(formatRunHeader('@mjpeg-kit/chunked', context).split('\n')[0]).toBe('# @mjpeg-kit/chunked');
  });

  it('says the machine was busy when the 1-minute load average passes the core count', () => {
    expect(formatRunHeader('x', { ...context, loadAverage: [2.5, 1, 1] })).toContain('the machine was busy');
    expect(formatRunHeader('x', context)).not.toContain('busy');
  });

  it('names a clean commit without the uncommitted note, and says when there is no git checkout', () => {
    expect(formatRunHeader('x', { ...context, uncommittedChanges: false })).toMatch(/commit 9407c26abc$/m);
    expect(formatRunHeader('x', { ...context, commit: undefined })).toContain(
      'commit unknown (not a git checkout)',
    );
  });

  it('reads the context from this process, the OS and git', () => {
    const read = readRunContext();
    expect(read.node).toBe(process.version);
    expect(read.cores).toBe(cpus().length);
    expect(read.loadAverage).toHaveLength(3);
    expect(Number.isNaN(Date.parse(read.date))).toBe(false);
    const head = execFileSync('git', ['rev-parse', '--short=10', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(read.commit).toBe(head);
  });

  it('reads no commit outside a git checkout', () => {
    const outside = mkdtempSync(join(tmpdir(), 'bench-header-'));
    try {
      expect(readRunContext(outside).commit).toBeUndefined();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('formats the load average with two decimals and the windows it covers', () => {
    expect(formatLoadAverage([1, 0.123, 12.345])).toBe('1.00 0.12 12.35 (1/5/15 min)');
  });
});
