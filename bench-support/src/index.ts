export { type BaselineTree, buildWorkspaceDependencies, checkoutBaseline, findRepoRoot } from './baseline.js';
export {
  type BuildCase,
  type ComparedCase,
  type CompareOptions,
  type Comparison,
  compareWithBaseline,
  formatComparison,
  printBaselineComparison,
  printBaselineComparisonAndExit,
} from './compare.js';
export { ConnectionLog } from './connection-log.js';
export { BenchSetupError, type BenchSetupErrorCode } from './errors.js';
export {
  formatLoadAverage,
  formatRunHeader,
  printRunHeader,
  type RunContext,
  readRunContext,
} from './header.js';
export { type BenchOptionSupport, type BenchOptions, readBenchOptions, readOption } from './options.js';
export {
  coresPrerequisite,
  filePrerequisite,
  findMissingPrerequisites,
  formatPrerequisites,
  type Prerequisite,
  requirePrerequisites,
  toolPrerequisite,
} from './prerequisites.js';
export {
  DEFAULT_BUDGET_MS,
  QUICK_BUDGET_MS,
  type RoundRobinOptions,
  timeRoundRobin,
} from './timing.js';
