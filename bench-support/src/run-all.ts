/**
 * The root `npm run bench`: checks what the selected benches need, then has turbo build what they
 * import and run each package's bench, one at a time.
 *
 *   npm run bench                                  every bench (the full tables of docs/benchmarks.md)
 *   npm run bench -- --quick                       a short smoke pass of every bench (numbers not for quoting)
 *   npm run bench -- --filter=@mjpeg-kit/chunked   one package (turbo's --filter, repeatable)
 *   npm run bench -- --baseline=<git ref>          the in-process benches: working tree against the ref
 *   npm run bench -- --prerequisites               only list and check what the selected benches need
 *
 * Every other argument is passed to each bench.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchSetupError } from './errors.js';
import { readBenchOptions } from './options.js';
import {
  coresPrerequisite,
  findMissingPrerequisites,
  formatPrerequisites,
  type Prerequisite,
  toolPrerequisite,
} from './prerequisites.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The benches that time a module in one process, so `--baseline` can time two builds of it. */
const BASELINE_PACKAGES = [
  '@mjpeg-kit/bytes',
  '@mjpeg-kit/chunked',
  '@mjpeg-kit/frame-encoder',
  '@mjpeg-kit/boundary-parser',
  '@mjpeg-kit/jpeg-scanner',
];

/** What each package's bench needs that `npm install` and turbo's builds do not provide. */
async function prerequisitesOf(pkg: string, baseline: boolean): Promise<Prerequisite[]> {
  const ffmpeg = (what: string) => toolPrerequisite('ffmpeg', `${pkg} (${what})`);
  const list: Prerequisite[] = [];
  if (baseline) list.push(toolPrerequisite('git', `${pkg} --baseline (git worktree)`));
  switch (pkg) {
    case '@mjpeg-kit/boundary-parser':
      list.push(ffmpeg('the 300 real 720p frames the tables are measured on'));
      break;
    case '@mjpeg-kit/jpeg-scanner':
      list.push(ffmpeg('the 300 real 720p frames'));
      break;
    case '@mjpeg-kit/server':
      list.push(
        ffmpeg('the pre-encoded frames'),
        toolPrerequisite(
          'taskset',
          `${pkg} (pins servers to core 0, the load generator to core 1)`,
          'apt-get install util-linux',
        ),
        coresPrerequisite(2, `${pkg} (servers on core 0, the load generator on core 1)`),
      );
      break;
    case '@mjpeg-kit/client': {
      const { CHROMIUM_PATH } = await import('../../test-support/chromium.js');
      list.push(
        toolPrerequisite(
          CHROMIUM_PATH,
          `${pkg} (the DOM player against native <img>)`,
          'apt-get install chromium',
        ),
        ffmpeg('the 640×480 frame of the Node table'),
      );
      break;
    }
    case '@mjpeg-kit/bluetooth-source':
      list.push(toolPrerequisite('socat', `${pkg} (the emulated serial camera over a pty)`));
      break;
  }
  return list;
}

/** Packages whose bench script turbo would run for `filters`. */
function selectedPackages(filters: string[]): string[] {
  const dry = spawnSync(turbo(), ['run', 'bench', '--dry=json', ...filters], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (dry.status !== 0)
    throw new BenchSetupError('BAD_OPTION', `turbo could not plan the run:\n${dry.stderr}`);
  const plan = JSON.parse(dry.stdout) as { tasks: { taskId: string; package: string; command: string }[] };
  return plan.tasks
    .filter((task) => task.taskId.endsWith('#bench') && task.command !== '<NONEXISTENT>')
    .map((task) => task.package);
}

function turbo(): string {
  return `${ROOT}node_modules/.bin/turbo`;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = readBenchOptions({ baseline: true }, argv);
  const filters = argv.filter((arg) => arg.startsWith('--filter='));
  const checkOnly = argv.includes('--prerequisites');
  const passed = argv.filter((arg) => !arg.startsWith('--filter=') && arg !== '--prerequisites');
  if (options.baseline !== undefined && filters.length === 0)
    filters.push(...BASELINE_PACKAGES.map((pkg) => `--filter=${pkg}`));
  const packages = selectedPackages(filters);
  if (options.baseline !== undefined) {
    const unsupported = packages.filter((pkg) => !BASELINE_PACKAGES.includes(pkg));
    if (unsupported.length > 0) {
      throw new BenchSetupError(
        'BAD_OPTION',
        `--baseline covers the in-process benches (${BASELINE_PACKAGES.join(', ')}), not ${unsupported.join(', ')}`,
      );
    }
  }
  const prerequisites = (
    await Promise.all(packages.map((pkg) => prerequisitesOf(pkg, options.baseline !== undefined)))
  ).flat();
  const missing = await findMissingPrerequisites(prerequisites);
  console.log(`Benches: ${packages.join(', ')}`);
  if (prerequisites.length > 0) console.log(`Prerequisites:\n${formatPrerequisites(prerequisites, missing)}`);
  console.log(
    'Built by turbo first: each package and its dependencies (the client bench: the server CLI and the web app).\n',
  );
  if (missing.length > 0) {
    console.error(
      `\n${missing.length} prerequisite(s) missing (✗ above): install them, or leave their benches out with --filter.`,
    );
    return 1;
  }
  if (checkOnly) return 0;
  const run = spawnSync(
    turbo(),
    [
      'run',
      'bench',
      '--concurrency=1',
      '--log-prefix=none',
      '--output-logs=full',
      ...filters,
      '--',
      ...passed,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  return run.status ?? 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!(error instanceof BenchSetupError)) throw error;
  console.error(`npm run bench: ${error.message}`);
  process.exitCode = 1;
}
