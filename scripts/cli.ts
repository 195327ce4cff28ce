/**
 * Shared plumbing for the CLI entry points: consistent error output and exit codes.
 * Exit codes: 0 ok, 1 failure, 2 bad usage or configuration.
 */
import { ConfigError } from '../src/config.ts';

export class UsageError extends Error {
  readonly code = 'USAGE';
}

export function runCli(main: () => Promise<void>, usage: string): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${usage}\n`);
        process.exit(2);
      }
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
