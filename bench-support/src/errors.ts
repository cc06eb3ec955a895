/** Why a bench could not start or finish its setup. Codes are stable; messages say what to do. */
export type BenchSetupErrorCode =
  /** A command-line option is malformed or not supported by this bench. */
  | 'BAD_OPTION'
  /** `--baseline=<ref>` names nothing git can resolve to a commit. */
  | 'UNKNOWN_REF'
  /** `git worktree add` failed. */
  | 'WORKTREE_FAILED'
  /** The package under test or one of its workspace dependencies is missing at the ref. */
  | 'PACKAGE_MISSING'
  /** Building a workspace dependency at the ref failed. */
  | 'BUILD_FAILED'
  /** The two builds gave different case lists (different names or counts). */
  | 'CASES_DIFFER'
  /** A tool, build or machine property the bench needs is missing. */
  | 'MISSING_PREREQUISITE';

/** A bench setup failure with a stable `code`. */
export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
  readonly code: BenchSetupErrorCode;

  constructor(code: BenchSetupErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
