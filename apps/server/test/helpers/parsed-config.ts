// The config a command line or a YAML file gives, for the argument and config-file tests.
import { parseCommandLine, type ServerConfig } from '../../src/args.js';
import { ConfigError, parseConfig } from '../../src/config.js';

/** The config `parseCommandLine(args)` runs with; throws if `args` ask for anything but a run. */
export function configOf(args: string[]): ServerConfig {
  const parsed = parseCommandLine(args);
  if (parsed.action !== 'run') throw new Error(`expected a run, got ${parsed.action}`);
  return parsed.config;
}

/** The problems `parseConfig(text)` names in its ConfigError; throws if it accepts the text. */
export function problemsOf(text: string): readonly string[] {
  try {
    parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}
