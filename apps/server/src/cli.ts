import packageJson from '../package.json' with { type: 'json' };
import { type CommandLine, parseCommandLine, USAGE, UsageError } from './args.js';
import { ConfigError } from './config.js';
import { createLogger } from './log.js';
import { StartError, startServer } from './main.js';
import { SourceStartError } from './sources.js';

const NAME = 'mjpeg-kit-server';

async function main(argv: string[]): Promise<void> {
  let command: CommandLine;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error instanceof ConfigError) {
      // One line per problem, each with its key path and line, so an editor can jump to it.
      process.stderr.write(error.message.replace(/^/gm, `${NAME}: `).concat('\n'));
      process.exit(2);
    }
    process.stderr.write(`${NAME}: ${error.message}\nRun '${NAME} --help' for the flags.\n`);
    process.exit(2);
  }
  if (command.action === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command.action === 'version') {
    process.stdout.write(`${packageJson.version}\n`);
    return;
  }
  const config = command.config;
  const log = createLogger(config.logLevel);
  // Handlers go in before the readiness line: whoever reads it may signal at once.
  let running: Awaited<ReturnType<typeof startServer>> | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // a second signal: do not wait any longer
    stopping = true;
    log.info(`${signal}: shutting down`);
    if (running === undefined) process.exit(0);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${NAME}: shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    running = await startServer(config, log);
  } catch (error) {
    if (error instanceof SourceStartError || error instanceof StartError) {
      process.stderr.write(`${NAME}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  process.stdout.write(`${NAME} listening on ${running.url}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${NAME}: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
