// `pnpm --filter tcp-echo start [--max-clients N] [--idle-timeout SECONDS] [--verbose]`:
// the multi-client echo server of seed 001, on one thread. Ctrl+C says goodbye to every
// client and exits 0.
import {
  listenTcp,
  onShutdown,
  runCli,
  toInteger,
  toMilliseconds,
  UsageError,
} from '@socket-lab/common';
import { createEchoServer, IDLE_TIMEOUT_MS } from '../server.js';

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
    'idle-timeout': {
      type: 'string',
      valueName: 'SECONDS',
      default: String(IDLE_TIMEOUT_MS / 1000),
      description: 'close clients silent this long; 0 = never',
    },
    verbose: { type: 'boolean', description: 'also log every read, as the seed prints them' },
    quiet: { type: 'boolean', description: 'log nothing but the listening line and errors' },
  },
  notes: ['try it: nc 127.0.0.1 8888   (type lines; `exit` ends the session)'],
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const maxClients = toInteger(flags['max-clients'], '--max-clients', 0, 1_000_000);
  const idleTimeoutMs = toMilliseconds(flags['idle-timeout'], '--idle-timeout');
  if (flags.verbose && flags.quiet)
    throw new UsageError('--verbose and --quiet do not go together');
  const server = createEchoServer({
    maxClients,
    idleTimeoutMs,
    verbose: flags.verbose,
    log: flags.quiet ? null : console.log,
  });
  await listenTcp(server, { host, port });
  onShutdown(() => server.shutdown());
});
