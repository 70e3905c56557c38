// The frame of every `bin/` entry point: parse the flags, print `--help`, run the program,
// and turn a failure into one line on stderr and a non-zero exit code, never a stack trace.
// Exit codes: 0 done (or stopped by Ctrl+C), 1 failed (port in use, peer gone, …), 2 bad usage.
import {
  type CliSpec,
  type FlagSpec,
  formatUsage,
  type ParsedCli,
  parseCli,
  UsageError,
} from './args.js';
import { FatalError, isSystemError } from './errors.js';
import { listenForSignals } from './shutdown.js';

/**
 * Runs `main` with the parsed command line. `main` may return an exit code; if it returns
 * nothing the code stays 0 and the process exits when its sockets are closed.
 */
export async function runCli<F extends Record<string, FlagSpec>>(
  spec: CliSpec<F>,
  main: (cli: ParsedCli<F>) => Promise<unknown>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  const name = spec.usage.replace(/^pnpm --filter /, '');
  listenForSignals();
  exitQuietlyWhenStdoutCloses();
  try {
    const cli = parseCli(spec, argv);
    if (cli.help) {
      console.log(formatUsage(spec));
      return;
    }
    const code = await main(cli);
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${name}: ${err.message} (see --help)`);
      process.exitCode = 2;
    } else if (err instanceof FatalError) {
      console.error(`${name}: ${err.message}`);
      process.exitCode = err.exitCode;
    } else if (isSystemError(err)) {
      console.error(`${name}: ${err.message}`);
      process.exitCode = 1;
    } else {
      // A bug, not a user's mistake: still one line, with the stack only on request.
      console.error(`${name}: unexpected error: ${(err as Error)?.message ?? String(err)}`);
      if (process.env.DEBUG) console.error(err);
      process.exitCode = 1;
    }
    // Whatever was opened before the failure (a server, stdin) must not keep us alive.
    process.exit();
  }
}

/**
 * `pnpm demo | head` closes our stdout early. That is the reader's choice, not our error:
 * stop quietly instead of dying with an EPIPE stack trace. runCli calls it; demos, which
 * take no flags, call it themselves.
 */
export function exitQuietlyWhenStdoutCloses(): void {
  if (watchingStdout) return;
  watchingStdout = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

let watchingStdout = false;
