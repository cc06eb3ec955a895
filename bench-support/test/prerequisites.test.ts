import { describe, expect, it } from 'vitest';
import {
  BenchSetupError,
  coresPrerequisite,
  filePrerequisite,
  findMissingPrerequisites,
  formatPrerequisites,
  requirePrerequisites,
  toolPrerequisite,
} from '../src/index.js';

const absentTool = toolPrerequisite('mjpeg-kit-no-such-tool', 'the test bench', 'install it from nowhere');
const presentTool = toolPrerequisite('git', 'the A/B runner');
const absentFile = filePrerequisite('/nonexistent/cli.js', 'the client bench', 'npx turbo run build');

describe('bench prerequisites', () => {
  it('finds the missing ones, in the order given', async () => {
    expect(await findMissingPrerequisites([presentTool, absentFile, absentTool])).toEqual([
      absentFile,
      absentTool,
    ]);
  });

  it('lists each one as present or missing, with who needs a missing one and the fix', () => {
    const text = formatPrerequisites([presentTool, absentTool], [absentTool]);
    expect(text).toBe(
      '  ✓ git (the A/B runner)\n  ✗ mjpeg-kit-no-such-tool: needed by the test bench; install it from nowhere',
    );
  });

  it('rejects with MISSING_PREREQUISITE naming every missing one', async () => {
    const error = await requirePrerequisites([absentTool, presentTool, absentFile]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BenchSetupError);
    expect((error as BenchSetupError).code).toBe('MISSING_PREREQUISITE');
    expect((error as Error).message).toContain('mjpeg-kit-no-such-tool');
    expect((error as Error).message).toContain('/nonexistent/cli.js');
    expect((error as Error).message).not.toContain('✓ git');
  });

  it('resolves when everything is present', async () => {
    await expect(
      requirePrerequisites([presentTool, coresPrerequisite(1, 'any bench')]),
    ).resolves.toBeUndefined();
  });

  it('counts cores against what this process may use', async () => {
    expect(await coresPrerequisite(100_000, 'a huge bench').isPresent()).toBe(false);
  });
});
