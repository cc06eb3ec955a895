/**
 * The systemd unit in README.md, as a user copies it: it must load (`systemd-analyze verify`),
 * stay hardened (`systemd-analyze security --offline`) without taking away what the server
 * needs, and start a server that needs no npm cache or home directory. This machine has no
 * systemd as PID 1, so the unit itself is not started.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findTool } from '../../../test-support/tools.js';
import { parseCommandLine } from '../src/args.js';
import { assertBuilt, CLI } from './cli-harness.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const UNIT_NAME = 'mjpeg-kit.service';
const systemdAnalyze = findTool('systemd-analyze');
const setpriv = findTool('setpriv');

/** The ```ini block under README.md's "## systemd" heading. */
function readmeUnit(): string {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('\n## systemd\n'));
  const block = /```ini\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('README.md has no ```ini block under ## systemd');
  return block[1]!;
}

/** Every `Key=value` of the unit's `[Service]` section, in order (a key may repeat). */
function serviceSettings(unit: string): Array<[string, string]> {
  const service = unit.slice(unit.indexOf('[Service]'), unit.indexOf('[Install]'));
  return service
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    });
}

function setting(unit: string, key: string): string | undefined {
  return serviceSettings(unit).find(([name]) => name === key)?.[1];
}

/** ExecStart split into the program and its arguments (the README's has no quoting). */
function execStart(unit: string): { program: string; args: string[] } {
  const line = setting(unit, 'ExecStart');
  if (line === undefined) throw new Error('the unit has no ExecStart');
  const [program, ...args] = line.trim().split(/\s+/);
  return { program: program!, args };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The README's unit in a temp dir, with ExecStart's program pointed at an executable stub there. */
function unitWithStubProgram(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-systemd-'));
  dirs.push(dir);
  const stub = join(dir, 'mjpeg-kit-server');
  writeFileSync(stub, '#!/bin/sh\nexit 0\n');
  chmodSync(stub, 0o755);
  const unit = readmeUnit();
  const { program } = execStart(unit);
  const path = join(dir, UNIT_NAME);
  writeFileSync(path, unit.replace(`ExecStart=${program} `, `ExecStart=${stub} `));
  return path;
}

describe('the README systemd unit', () => {
  it('starts the installed bin by absolute path, not npx, whose cache DynamicUser cannot write (#9)', () => {
    const unit = readmeUnit();
    const { program } = execStart(unit);
    expect(program).toMatch(/^\/.*\/mjpeg-kit-server$/);
    expect(unit).not.toMatch(/\bnpx\b|\bnpm exec\b/);
    expect(setting(unit, 'DynamicUser')).toBe('yes');
  });

  it('passes flags the CLI accepts (#9)', () => {
    const parsed = parseCommandLine(execStart(readmeUnit()).args);
    expect(parsed).toMatchObject({
      action: 'run',
      config: {
        host: '0.0.0.0',
        port: 8080,
        source: { kind: 'serial', path: '/dev/rfcomm0', mode: 'vc0706' },
        audio: { kind: 'none' },
        idleStopMs: 60_000,
      },
    });
  });

  it('keeps the serial device and the JIT usable under its hardening (#9)', () => {
    const unit = readmeUnit();
    // dialout owns /dev/rfcommN and USB-serial ttys.
    expect(setting(unit, 'SupplementaryGroups')?.split(/\s+/)).toContain('dialout');
    // Each of these would deny the camera's device node (ProtectClock= implies a DeviceAllow=
    // list on systemd 252) or Node's JIT (MemoryDenyWriteExecute=).
    for (const key of [
      'PrivateDevices',
      'DevicePolicy',
      'DeviceAllow',
      'ProtectClock',
      'MemoryDenyWriteExecute',
    ]) {
      expect(setting(unit, key), key).toBeUndefined();
    }
    // The server listens on TCP and spawns exec: sources through Unix socket pairs.
    expect(setting(unit, 'RestrictAddressFamilies')?.split(/\s+/).sort()).toEqual([
      'AF_INET',
      'AF_INET6',
      'AF_UNIX',
    ]);
    expect(setting(unit, 'KillSignal') ?? 'SIGTERM').toBe('SIGTERM');
  });

  describe.skipIf(systemdAnalyze.skip)(`with systemd-analyze${systemdAnalyze.label}`, () => {
    it('loads cleanly with systemd-analyze verify (#9)', () => {
      systemdAnalyze.assertPresent();
      const path = unitWithStubProgram();
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', path], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      // Unknown keys and bad values are only warnings (exit 0): any line naming the unit fails.
      const complaints = `${result.stdout}${result.stderr}`
        .split('\n')
        .filter((line) => line.includes(UNIT_NAME));
      expect(complaints).toEqual([]);
      expect(result.status).toBe(0);
    });

    it('rates OK or better with systemd-analyze security --offline (#9)', () => {
      systemdAnalyze.assertPresent();
      const path = unitWithStubProgram();
      // --threshold is in tenths: exposure above 4.9 (MEDIUM and worse) exits non-zero.
      const result = spawnSync(
        'systemd-analyze',
        ['security', '--offline=true', '--threshold=49', '--no-pager', path],
        { encoding: 'utf8', timeout: 30_000 },
      );
      const overall = /Overall exposure level for \S+: ([\d.]+)/.exec(result.stdout);
      expect(overall, result.stdout + result.stderr).not.toBeNull();
      expect(Number(overall![1])).toBeLessThanOrEqual(4.9);
      expect(result.status).toBe(0);
    });
  });
});

/**
 * Whether uid 65534 could run the built CLI: every folder above it searchable and the file
 * readable by others (a checkout under /root is not).
 */
function othersCanRead(file: string): boolean {
  if ((statSync(file).mode & 0o004) === 0) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

describe("the unit's server started as DynamicUser= would", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('starts with no home, no npm cache and an empty environment, unprivileged (#9)', async () => {
    assertBuilt();
    // The unit's flags, with the camera and the address swapped for ones this machine has.
    const args = execStart(readmeUnit()).args;
    const swapped = args.map((arg, i) => {
      if (args[i - 1] === '--host') return '127.0.0.1';
      if (args[i - 1] === '--port') return '0';
      if (args[i - 1] === '--source') return 'synthetic';
      return arg;
    });
    // What DynamicUser= gives the service: an unprivileged uid, no home, systemd's PATH only.
    // As root, drop to uid 65534 (when it can read the checkout); any other user already is one.
    const command = [process.execPath, CLI, ...swapped];
    const dropToNobody = process.getuid?.() === 0 && setpriv.present && othersCanRead(CLI);
    const [program, ...rest] = dropToNobody
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', ...command]
      : command;
    child = spawn(program!, rest, {
      cwd: '/',
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    const started = child;
    const listening = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      started.stdout?.on('data', () => {
        if (/mjpeg-kit-server listening on http:\/\/127\.0\.0\.1:\d+\//.test(output)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      started.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    expect(listening, output).toBe(true);
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    started.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),
    ]);
    expect(code, output).toBe(0);
  });
});
