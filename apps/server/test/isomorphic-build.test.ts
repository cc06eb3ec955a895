/**
 * The core packages promise to run anywhere: their built output must not import Node
 * built-ins, touch `Buffer`, or lean on Node globals. This reads every built entry of every
 * core package (this app depends on all of them, so turbo has built them before its tests).
 * The single allowed exception is the guarded `globalThis.Buffer` search in @mjpeg-kit/bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../../../packages/', import.meta.url));

/** Package → built files that must be isomorphic (Node-only entries are left out on purpose). */
const coreBuilds: Record<string, (file: string) => boolean> = {
  bytes: () => true,
  'boundary-parser': () => true,
  'jpeg-scanner': () => true,
  'frame-encoder': () => true,
  chunked: () => true,
  client: () => true,
  'bluetooth-source': (file) => !/^(node|testing)\b/.test(file),
  sources: (file) => !/^node\b/.test(file),
};

const builtins = builtinModules.filter((name) => !name.startsWith('_')).join('|');
const forbidden: [string, RegExp][] = [
  ['a node: import', /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/],
  [
    'a Node built-in import',
    new RegExp(`(?:from\\s*|import\\s*\\(\\s*|require\\s*\\(\\s*)["'](?:${builtins})(?:/[^"']*)?["']`),
  ],
  ['Buffer', /(?<![\w$.])Buffer\b/],
  ['process', /(?<![\w$.])process\s*\.\s*(?:env|nextTick|versions|platform|stdout|stderr|cwd)/],
  ['__dirname or __filename', /\b__(?:dirname|filename)\b/],
  ['setImmediate', /(?<![\w$.])setImmediate\s*\(/],
];

function builtFiles(pkg: string): string[] {
  const dist = `${packagesDir}${pkg}/dist`;
  const accept = coreBuilds[pkg]!;
  return readdirSync(dist)
    .filter((file) => /\.(?:c?js)$/.test(file) && accept(file))
    .map((file) => `${dist}/${file}`);
}

describe('core packages are isomorphic in their built output', () => {
  for (const pkg of Object.keys(coreBuilds)) {
    it(`@mjpeg-kit/${pkg} uses no Node built-ins, Buffer objects or Node globals`, () => {
      const files = builtFiles(pkg);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        let source = readFileSync(file, 'utf8');
        // The guarded native search: borrows Buffer.prototype.indexOf, creates no Buffer.
        if (pkg === 'bytes') source = source.replace(/globalThis\.Buffer\?\.prototype\?\.indexOf/g, '');
        for (const [what, pattern] of forbidden) {
          const match = pattern.exec(source);
          expect(match, `${file} contains ${what}: ${match?.[0]}`).toBeNull();
        }
      }
    });
  }

  it('allows Buffer in @mjpeg-kit/bytes only as the guarded search', () => {
    const source = builtFiles('bytes')
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    expect(source).toMatch(/globalThis\.Buffer\?\.prototype\?\.indexOf/);
  });

  it('catches a violation (the check itself works)', () => {
    const sample = 'import { readFile } from "node:fs"; const b = Buffer.from("x");';
    const hits = forbidden.filter(([, pattern]) => pattern.test(sample)).map(([what]) => what);
    expect(hits).toEqual(['a node: import', 'Buffer']);
  });
});
