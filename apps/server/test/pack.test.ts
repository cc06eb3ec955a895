/**
 * The published package must carry the player page: `prepack` copies apps/web's build into
 * ./web and `postpack` removes it. Run here on a copy of the script in a temp tree laid out
 * like the monorepo, so a real pack never races the other suites serving apps/web/dist.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const tree = mkdtempSync(join(tmpdir(), 'mjpeg-kit-pack-'));
const server = join(tree, 'server');
const webBuild = join(tree, 'web', 'dist');
mkdirSync(join(server, 'scripts'), { recursive: true });
cpSync(join(appDir, 'scripts', 'bundle-web.mjs'), join(server, 'scripts', 'bundle-web.mjs'));

const bundle = (...args: string[]) =>
  spawnSync(process.execPath, [join(server, 'scripts', 'bundle-web.mjs'), ...args], { encoding: 'utf8' });

afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe('mjpeg-kit-server package', () => {
  it('wires the page copy into pack and publish, and lists web/ in files', () => {
    const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
    expect(manifest.scripts.prepack).toBe('node scripts/bundle-web.mjs');
    expect(manifest.scripts.postpack).toBe('node scripts/bundle-web.mjs --clean');
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'web']));
  });

  it('refuses to pack without a built page', () => {
    const result = bundle();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/index\.html is missing/);
  });

  it('copies the built page into web/, replacing a stale copy, and removes it after packing', () => {
    mkdirSync(join(webBuild, 'assets'), { recursive: true });
    writeFileSync(join(webBuild, 'index.html'), '<!doctype html><title>player</title>');
    writeFileSync(join(webBuild, 'assets', 'app.js'), 'export {};');
    mkdirSync(join(server, 'web'), { recursive: true });
    writeFileSync(join(server, 'web', 'stale.js'), '');

    expect(bundle().status).toBe(0);
    expect(readFileSync(join(server, 'web', 'index.html'), 'utf8')).toContain('<title>player</title>');
    expect(existsSync(join(server, 'web', 'assets', 'app.js'))).toBe(true);
    expect(existsSync(join(server, 'web', 'stale.js'))).toBe(false);

    expect(bundle('--clean').status).toBe(0);
    expect(existsSync(join(server, 'web'))).toBe(false);
  });
});
