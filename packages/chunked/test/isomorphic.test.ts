import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

describe('isomorphic core', () => {
  it.each(readdirSync(srcDir).filter((file) => file.endsWith('.ts')))(
    '%s uses no node: import, Buffer or process',
    (file) => {
      const source = readFileSync(srcDir + file, 'utf8');
      expect(source).not.toMatch(/from ['"]node:|require\(|\bBuffer\b|\bprocess\./);
    },
  );
});
