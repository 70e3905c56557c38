// `pnpm --filter tcp-echo start [--max-clients N] [--idle-timeout SECONDS] [--verbose]`:
// the multi-client echo server of seed 001, on one thread; `--one-at-a-time` is the seed's
// first server instead. Ctrl+C says goodbye to every client and exits 0 within --grace.
import {
  listenTcp,
  onShutdown,
  runCli,
  secondsFlag,
  toInteger,
  toMilliseconds,
  UsageError,
} from '@socket-lab/common';
import { CLOSE_GRACE_MS, createEchoServer, IDLE_TIMEOUT_MS } from '../server.js';

const spec = {
  usage: 'pnpm --filter tcp-echo start',
  role: 'server',
  summary: 'An echo server (RFC 862) for many clients at once, on one thread (seed 001).',
  defaultPort: 8888,
  flags: {
    'max-clients': {
      type: 'string',
      valueName: 'N',
      default: '0',
      description: 'serve at most N clients at once, refuse the others; 0 = no limit',
    },
    'idle-timeout': secondsFlag(
      IDLE_TIMEOUT_MS,
      'close clients that make no progress this long; 0 = never',
    ),
    grace: secondsFlag(
      CLOSE_GRACE_MS,
      'a client told to go is cut off this long after; Ctrl+C waits as long',
    ),
    'one-at-a-time': {
      type: 'boolean',
      description: "the seed's first server: serve one client, the others wait unanswered",
    },
    verbose: { type: 'boolean', description: 'also log every read, as the seed prints them' },
    quiet: { type: 'boolean', description: 'log nothing but the listening line and errors' },
  },
  notes: ['try it: nc 127.0.0.1 8888   (type lines; `exit` ends the session)'],
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const maxClients = toInteger(flags['max-clients'], '--max-clients', 0, 1_000_000);
  const idleTimeoutMs = toMilliseconds(flags['idle-timeout'], '--idle-timeout');
  const closeGraceMs = toMilliseconds(flags.grace, '--grace', 60);
  if (flags.verbose && flags.quiet)
    throw new UsageError('--verbose and --quiet do not go together');
  const server = createEchoServer({
    maxClients,
    idleTimeoutMs,
    closeGraceMs,
    oneAtATime: flags['one-at-a-time'],
    verbose: flags.verbose,
    log: flags.quiet ? null : console.log,
  });
  await listenTcp(server, { host, port });
  if (flags['one-at-a-time'] && !flags.quiet) {
    console.log("one client at a time, as the seed's first server: the others wait, unanswered");
  }
  // One grace period: the server cuts clients off after it, and the watchdog of onShutdown
  // (which ends the process a little after the grace it is given) waits for that.
  onShutdown(() => server.shutdown(), closeGraceMs);
});
