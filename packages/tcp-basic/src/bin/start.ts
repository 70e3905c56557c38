// `pnpm --filter tcp-basic start [--mode greet|ask] [--forever]`: the server of seed 000
// (or seed 002 with --mode ask). Serves one client and exits, like the seed; --forever
// keeps accepting and greets with its words, like the seed's second server.
import {
  choiceFlag,
  closeServer,
  listenTcp,
  onShutdown,
  runCli,
  secondsFlag,
  toChoice,
  toMilliseconds,
  trackConnections,
} from '@socket-lab/common';
import { FOREVER_GREETING, MODES, SERVER_MESSAGES } from '../protocol.js';
import { createBasicServer, READ_TIMEOUT_MS } from '../server.js';

const spec = {
  usage: 'pnpm --filter tcp-basic start',
  role: 'server',
  summary:
    'A TCP server that has one short exchange per client (seed 000; seed 002 with --mode ask).',
  defaultPort: 31500,
  flags: {
    mode: choiceFlag(
      MODES,
      'greet',
      'greet: we send first (seed 000); ask: the client does (seed 002)',
    ),
    message: {
      type: 'string',
      valueName: 'TEXT',
      description: `what we send (default "${SERVER_MESSAGES.greet}", "${FOREVER_GREETING}" with --forever, or the seed's answer in ask mode)`,
    },
    forever: {
      type: 'boolean',
      description: 'keep accepting clients instead of exiting after the first',
    },
    timeout: secondsFlag(READ_TIMEOUT_MS, 'how long to wait for a client to speak; 0 = forever'),
  },
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const mode = toChoice(flags.mode, '--mode', MODES);
  const readTimeoutMs = toMilliseconds(flags.timeout, '--timeout');
  // The seed's second server greets with words of its own.
  const foreverWords = flags.forever && mode === 'greet' ? FOREVER_GREETING : undefined;
  const message = flags.message ?? foreverWords;
  const server = createBasicServer({ mode, message, readTimeoutMs });
  const open = trackConnections(server);
  await listenTcp(server, { host, port });
  // The seed accepts once and closes its listening socket; stop listening the same way. First,
  // before the greeting goes out: a client that reads it and connects again at once must find
  // no listener (refused), not one about to close that drops its connection (reset).
  if (!flags.forever) server.prependOnceListener('connection', () => server.close());
  onShutdown(() => closeServer(server, open));
});
