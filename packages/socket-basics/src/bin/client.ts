// `pnpm --filter socket-basics client [--host H] [--port P] [--unix PATH]`: connects, prints
// the association from its end and the range its port came from, then echoes stdin's lines.
import { once } from 'node:events';
import net from 'node:net';
import {
  connectTcp,
  describeNetError,
  FatalError,
  readLines,
  runCli,
  toMilliseconds,
} from '@socket-lab/common';
import { describeClientEnd, echoLines } from '../client.js';

const spec = {
  usage: 'pnpm --filter socket-basics client',
  role: 'client',
  summary:
    'Connects, prints the full association from the client end and its ephemeral port, then echoes lines (seed 004).',
  defaultPort: 7000,
  flags: {
    unix: {
      type: 'string',
      valueName: 'PATH',
      description: 'connect to an AF_UNIX socket at PATH instead of --host and --port',
    },
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: '10',
      description: 'give up connecting after this long',
    },
  },
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  const socket = flags.unix
    ? await connectUnix(flags.unix)
    : await connectTcp({ host, port, timeoutMs });
  socket.on('error', (err) => console.error(`socket-basics client: ${err.message}`));
  await describeClientEnd(socket, console.log);
  return echoLines(socket, readLines({ prompt: '> ' }), console.log);
});

async function connectUnix(path: string): Promise<net.Socket> {
  const socket = net.connect(path);
  try {
    await once(socket, 'connect');
    return socket;
  } catch (err) {
    throw new FatalError(describeNetError(err, { action: `connect to ${path}` }));
  }
}
