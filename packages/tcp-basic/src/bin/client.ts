// `pnpm --filter tcp-basic client [--mode greet|ask] [--message TEXT] [--sockets N]`: the
// client of seed 000 (or seed 002 with --mode ask). --sockets 2 is the seed's test of two
// sockets in one program: the first stays open while the second talks, then the second is
// closed, then the first. A server that serves them needs --forever.
import {
  choiceFlag,
  FatalError,
  runCli,
  secondsFlag,
  toChoice,
  toInteger,
  toMilliseconds,
} from '@socket-lab/common';
import { CLIENT_TIMEOUT_MS, type OpenExchange, openExchange, receivedLine } from '../client.js';
import { CLIENT_MESSAGES, MODES } from '../protocol.js';

const spec = {
  usage: 'pnpm --filter tcp-basic client',
  role: 'client',
  summary:
    'Connects, has one exchange with the tcp-basic server, closes (seed 000; seed 002 with --mode ask).',
  defaultPort: 31500,
  flags: {
    mode: choiceFlag(
      MODES,
      'greet',
      'greet: the server sends first (seed 000); ask: we do (seed 002)',
    ),
    message: {
      type: 'string',
      valueName: 'TEXT',
      description: `what we send (default "${CLIENT_MESSAGES.greet}", or "${CLIENT_MESSAGES.ask}" in ask mode)`,
    },
    sockets: {
      type: 'string',
      valueName: 'N',
      default: '1',
      description: 'open N connections, each still open while the next talks (server: --forever)',
    },
    timeout: secondsFlag(CLIENT_TIMEOUT_MS, 'give up connecting or waiting after this long'),
  },
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const mode = toChoice(flags.mode, '--mode', MODES);
  const sockets = toInteger(flags.sockets, '--sockets', 1, 1000);
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  const open: OpenExchange[] = [];
  try {
    for (let i = 1; i <= sockets; i++) {
      const exchange = await openExchange({
        host,
        port,
        mode,
        message: flags.message,
        timeoutMs,
      }).catch((err: unknown) => {
        // The seed's first server accepts once and closes its listening socket.
        if (i > 1 && err instanceof FatalError && /connection refused/.test(err.message)) {
          const refused = err.message.replace(/ \(is the server running on that port\?\)$/, '');
          throw new FatalError(
            `socket ${i}: ${refused} (a server started without --forever stops listening after its first client)`,
          );
        }
        throw err;
      });
      open.push(exchange);
      console.log(
        sockets > 1 ? `[socket ${i}] ${receivedLine(exchange.data)}` : receivedLine(exchange.data),
      );
    }
  } finally {
    // The seed closes sock2, then s: the last one opened first.
    for (const exchange of open.reverse()) await exchange.close();
  }
  return 0;
});
