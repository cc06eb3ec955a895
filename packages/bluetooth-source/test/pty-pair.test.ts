import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createPtyPair } from '../src/testing.js';

const ptyDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('mjpeg-kit-pty-'));

describe('createPtyPair', () => {
  it('rejects when socat cannot start, and leaves no temporary folder', async () => {
    const before = ptyDirs();
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(createPtyPair()).rejects.toThrow(/socat could not start/);
    } finally {
      process.env.PATH = path;
    }
    expect(ptyDirs().filter((name) => !before.includes(name))).toEqual([]);
  });
});
