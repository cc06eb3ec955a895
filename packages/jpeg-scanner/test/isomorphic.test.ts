import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

describe('isomorphic core', () => {
  it.each(readdirSync(srcDir).filter((name) => name.endsWith('.ts')))(
    '%s imports no node: module and no Buffer',
    (name) => {
      const source = readFileSync(`${srcDir}${name}`, 'utf8');
      expect(source).not.toMatch(/from ['"]node:/);
      expect(source).not.toMatch(/\bBuffer\b/);
    },
  );
});
