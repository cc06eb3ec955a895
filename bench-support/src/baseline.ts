import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchSetupError } from './errors.js';

/** A git ref checked out into a temporary worktree that shares the working tree's `node_modules`. */
export interface BaselineTree {
  /** The ref as given (`HEAD~1`, a tag, a hash). */
  ref: string;
  /** The full commit hash the ref resolved to. */
  commit: string;
  /** The checked-out tree: a `git worktree` under the OS temp dir. */
  root: string;
  /** The working tree's repository root, whose `node_modules` and tools the tree uses. */
  repoRoot: string;
  /** Removes the worktree and its temp dir (also done at process exit). Safe to call twice. */
  remove(): void;
}

/** The top-level directory of the git checkout holding `dir`. */
export function findRepoRoot(dir: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8' }).trim();
  } catch (error) {
    throw new BenchSetupError('WORKTREE_FAILED', `${dir} is not inside a git checkout`, { cause: error });
  }
}

/**
 * Checks `ref` out into a new worktree under the OS temp dir (`git worktree add --detach`), with a
 * `node_modules` of links to the working tree's: registry packages are the same files (no
 * install), while workspace packages (npm's relative links into the repository) point at the
 * tree's own copies, so the tree imports its own code. Call `remove()` when done.
 *
 * @throws BenchSetupError (`UNKNOWN_REF`) when git cannot resolve `ref` to a commit,
 *   (`WORKTREE_FAILED`) when the worktree cannot be made.
 */
export function checkoutBaseline(ref: string, repoRoot: string): BaselineTree {
  const commit = resolveCommit(ref, repoRoot);
  const dir = mkdtempSync(join(tmpdir(), 'mjpeg-kit-baseline-'));
  const root = join(dir, 'tree');
  try {
    execFileSync('git', ['worktree', 'add', '--detach', '--quiet', root, commit], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new BenchSetupError('WORKTREE_FAILED', `git worktree add of ${ref} (${commit}) failed`, {
      cause: error,
    });
  }
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    // The links first, by hand: never let a recursive delete walk into the shared node_modules.
    rmSync(join(root, 'node_modules'), { recursive: true, force: true });
    quietGit(['worktree', 'remove', '--force', root], repoRoot);
    rmSync(dir, { recursive: true, force: true });
    quietGit(['worktree', 'prune'], repoRoot);
  };
  process.on('exit', remove);
  try {
    linkNodeModules(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  } catch (error) {
    remove();
    throw error;
  }
  return { ref, commit, root, repoRoot, remove };
}

/**
 * Builds, in `tree`, every workspace package that the package at `packageDir` (relative to the
 * repository root) depends on, directly or not, with the working tree's tsup and each package's
 * own tsup config (ESM only, no type declarations: the bench imports JavaScript). Returns the
 * names built, dependencies first.
 *
 * @throws BenchSetupError (`PACKAGE_MISSING`) when the package or a dependency is not in the
 *   tree, (`BUILD_FAILED`) when a build fails or is not a tsup build.
 */
export function buildWorkspaceDependencies(tree: BaselineTree, packageDir: string): string[] {
  const workspace = readWorkspacePackages(tree.root);
  const own = readPackageJson(join(tree.root, packageDir));
  if (own === undefined) {
    throw new BenchSetupError('PACKAGE_MISSING', `${packageDir} has no package.json at ${tree.ref}`);
  }
  const order: string[] = [];
  const visit = (manifest: PackageJson): void => {
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const dependency = workspace.get(name);
      if (dependency === undefined || order.includes(name)) continue;
      visit(dependency.manifest);
      if (!order.includes(name)) order.push(name);
    }
  };
  visit(own);
  const tsup = join(tree.repoRoot, 'node_modules', '.bin', 'tsup');
  if (!existsSync(tsup)) {
    throw new BenchSetupError('BUILD_FAILED', `${tsup} not found: run npm install in ${tree.repoRoot}`);
  }
  for (const name of order) buildWithTsup(tsup, name, workspace.get(name)!, tree.ref);
  return order;
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  workspaces?: string[];
}

interface WorkspacePackage {
  dir: string;
  manifest: PackageJson;
}

function buildWithTsup(tsup: string, name: string, { dir, manifest }: WorkspacePackage, ref: string): void {
  const script = manifest.scripts?.build ?? '';
  const [command, ...args] = script.trim().split(/\s+/);
  if (command !== 'tsup') {
    throw new BenchSetupError(
      'BUILD_FAILED',
      `${name} at ${ref} builds with "${script}", not tsup; the A/B runner only builds tsup packages`,
    );
  }
  const built = spawnSync(tsup, [...args, '--no-dts', '--format', 'esm', '--silent'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (built.status !== 0) {
    const output = `${built.stdout ?? ''}${built.stderr ?? ''}`.trim().slice(-2000);
    throw new BenchSetupError('BUILD_FAILED', `building ${name} at ${ref} failed:\n${output}`);
  }
}

/** Workspace packages by name, from the root package.json's `workspaces` globs (`dir/*` form). */
function readWorkspacePackages(root: string): Map<string, WorkspacePackage> {
  const packages = new Map<string, WorkspacePackage>();
  for (const pattern of readPackageJson(root)?.workspaces ?? []) {
    for (const dir of expandGlob(root, pattern.split('/'))) {
      const manifest = readPackageJson(dir);
      if (manifest?.name !== undefined) packages.set(manifest.name, { dir, manifest });
    }
  }
  return packages;
}

/** Directories matching `segments`, where a segment is a literal name or `*`. */
function expandGlob(base: string, segments: string[]): string[] {
  const [first, ...rest] = segments;
  if (first === undefined) return [base];
  const names =
    first === '*'
      ? readdirSync(base, { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
          .map((entry) => entry.name)
      : existsSync(join(base, first))
        ? [first]
        : [];
  return names.flatMap((name) => expandGlob(join(base, name), rest));
}

function readPackageJson(dir: string): PackageJson | undefined {
  const path = join(dir, 'package.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as PackageJson) : undefined;
}

/**
 * Mirrors `from` (a `node_modules`) at `to` with links: each entry links to the same file, except
 * npm's relative links (workspace packages), which are copied as they are, so that in the tree
 * they point at the tree's own packages. Scope folders (`@x`) are mirrored one level down.
 */
function linkNodeModules(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  if (!existsSync(from)) return;
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    const stat = lstatSync(source);
    if (stat.isSymbolicLink()) {
      // Relative (npm's workspace links) resolves inside the tree; absolute stays as it is.
      symlinkSync(readlinkSync(source), target);
    } else if (stat.isDirectory() && name.startsWith('@')) {
      linkNodeModules(source, target);
    } else {
      symlinkSync(source, target);
    }
  }
}

function resolveCommit(ref: string, repoRoot: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch (error) {
    throw new BenchSetupError('UNKNOWN_REF', `--baseline=${ref}: git knows no commit by that name`, {
      cause: error,
    });
  }
}

function quietGit(args: string[], cwd: string): void {
  try {
    execFileSync('git', args, { cwd, stdio: 'ignore' });
  } catch {
    // Best effort: a leftover worktree entry is pruned by the next `git worktree prune`.
  }
}
