/**
 * Where the server finds the player page: by its own package's location or `--web-root`, in
 * temp trees laid out as a published install, a packed package and the monorepo.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkWebRoot, resolveWebRoot, WebRootError } from '../src/web-root.js';
import { CliProcess, fetchAll, runCli } from './cli-harness.js';

const trees: string[] = [];

function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'mjpeg-kit-web-root-'));
  trees.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const manifest = (name: string) => JSON.stringify({ name, version: '1.0.0' });
const page = (title: string) => `<!doctype html><title>${title}</title>`;

afterAll(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

describe('resolveWebRoot', () => {
  it('never serves an unrelated node_modules/web package beside the install (#9)', () => {
    // npm install mjpeg-kit-server in a project that also depends on a package called "web".
    const root = makeTree({
      'node_modules/mjpeg-kit-server/package.json': manifest('mjpeg-kit-server'),
      'node_modules/mjpeg-kit-server/dist/cli.js': '',
      'node_modules/web/package.json': manifest('web'),
      'node_modules/web/dist/index.html': page('someone else'),
    });
    expect(resolveWebRoot({ from: join(root, 'node_modules/mjpeg-kit-server/dist') })).toBeUndefined();
  });

  it('finds the web/ copy shipped inside the packed package (#9)', () => {
    const root = makeTree({
      'node_modules/mjpeg-kit-server/package.json': manifest('mjpeg-kit-server'),
      'node_modules/mjpeg-kit-server/dist/cli.js': '',
      'node_modules/mjpeg-kit-server/web/index.html': page('player'),
      'node_modules/web/dist/index.html': page('someone else'),
    });
    expect(resolveWebRoot({ from: join(root, 'node_modules/mjpeg-kit-server/dist') })).toBe(
      join(root, 'node_modules/mjpeg-kit-server/web'),
    );
  });

  it('finds the monorepo workspace @mjpeg-kit/web by its package name (#9)', () => {
    const root = makeTree({
      'apps/server/package.json': manifest('mjpeg-kit-server'),
      'apps/server/dist/cli.js': '',
      'apps/web/package.json': manifest('@mjpeg-kit/web'),
      'apps/web/dist/index.html': page('player'),
    });
    mkdirSync(join(root, 'node_modules/@mjpeg-kit'), { recursive: true });
    symlinkSync(join(root, 'apps/web'), join(root, 'node_modules/@mjpeg-kit/web'), 'dir');
    expect(resolveWebRoot({ from: join(root, 'apps/server/dist') })).toBe(join(root, 'apps/web/dist'));
  });

  it('refuses a node_modules/@mjpeg-kit/web whose package.json names another package (#9)', () => {
    const root = makeTree({
      'apps/server/package.json': manifest('mjpeg-kit-server'),
      'apps/server/dist/cli.js': '',
      'node_modules/@mjpeg-kit/web/package.json': manifest('web'),
      'node_modules/@mjpeg-kit/web/dist/index.html': page('someone else'),
    });
    expect(resolveWebRoot({ from: join(root, 'apps/server/dist') })).toBeUndefined();
  });

  it('uses --web-root over the shipped copy (#9)', () => {
    const root = makeTree({
      'node_modules/mjpeg-kit-server/package.json': manifest('mjpeg-kit-server'),
      'node_modules/mjpeg-kit-server/web/index.html': page('player'),
      'custom/index.html': page('custom'),
    });
    expect(
      resolveWebRoot({
        webRoot: join(root, 'custom'),
        from: join(root, 'node_modules/mjpeg-kit-server/dist'),
      }),
    ).toBe(join(root, 'custom'));
  });
});

describe('checkWebRoot', () => {
  it('throws NO_INDEX_HTML for a directory without index.html', () => {
    const root = makeTree({ 'empty/readme.txt': '' });
    const attempt = () => checkWebRoot(join(root, 'empty'));
    expect(attempt).toThrow(WebRootError);
    expect(attempt).toThrow(/has no index\.html/);
    try {
      attempt();
    } catch (error) {
      expect((error as WebRootError).code).toBe('NO_INDEX_HTML');
    }
  });

  it('returns the absolute path of a directory with index.html', () => {
    const root = makeTree({ 'site/index.html': page('site') });
    expect(checkWebRoot(join(root, 'site'))).toBe(join(root, 'site'));
  });
});

describe('mjpeg-kit-server --web-root', () => {
  let cli: CliProcess | undefined;
  afterEach(async () => {
    cli?.kill();
    await cli?.exit();
    cli = undefined;
  });

  it('serves the page and assets from --web-root DIR (#9)', async () => {
    const root = makeTree({
      'site/index.html': page('from --web-root'),
      'site/assets/app.js': 'export const marker = 42;',
    });
    cli = new CliProcess([
      '--port',
      '0',
      '--audio',
      'none',
      '--size',
      '160x120',
      '--fps',
      '5',
      '--web-root',
      join(root, 'site'),
    ]);
    const url = await cli.ready();
    const index = await fetchAll(url);
    expect(index.status).toBe(200);
    expect(index.body.toString()).toContain('<title>from --web-root</title>');
    const asset = await fetchAll(`${url}assets/app.js`);
    expect(asset.status).toBe(200);
    expect(asset.body.toString()).toBe('export const marker = 42;');
  });

  it('exits 2 naming the directory when --web-root has no index.html (#9)', async () => {
    const root = makeTree({ 'empty/readme.txt': '' });
    const { code, stderr, stdout } = await runCli(['--web-root', join(root, 'empty')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`--web-root ${join(root, 'empty')} has no index.html`);
  });
});
