/**
 * `@mjpeg-kit/nats/url` exists so a CLI can check `nats://` settings without loading the NATS
 * client. This reads the built entry and every chunk it imports (turbo builds the package before
 * its tests) and fails if any of them imports `@nats-io`, or anything not of this build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g;

/** Every import specifier of `entry` and of the relative files it reaches, keyed by file. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [resolve(dist, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (graph.has(file)) continue;
    const specifiers = [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => m[1]!);
    graph.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith('.')) pending.push(resolve(dirname(file), s));
  }
  return graph;
}

describe('the ./url entry', () => {
  it.each(['url.js', 'url.cjs'])('dist/%s and its chunks import only files of this build', (entry) => {
    expect(existsSync(resolve(dist, entry)), `build first: ${dist}${entry} is missing`).toBe(true);
    const graph = importGraph(entry);
    for (const [file, specifiers] of graph) {
      expect(
        specifiers.filter((s) => !s.startsWith('.')),
        file,
      ).toEqual([]);
      expect(readFileSync(file, 'utf8'), file).not.toContain('@nats-io');
    }
  });

  it('the main entry does reach @nats-io, so the check above can tell', () => {
    const imports = [...importGraph('index.js').values()].flat();
    expect(imports.some((s) => s.startsWith('@nats-io/'))).toBe(true);
  });
});
