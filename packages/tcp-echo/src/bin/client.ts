// `pnpm --filter tcp-echo client`: seed 001's client. Type lines at the prompt, or pipe them:
// `printf 'hello\nexit\n' | pnpm --filter tcp-echo client`. Works with the seed's servers too.
import { readLines, runCli, secondsFlag, toMilliseconds } from '@socket-lab/common';
import { CLIENT_TIMEOUT_MS, runEchoClient } from '../client.js';

const spec = {
  usage: 'pnpm --filter tcp-echo client',
  role: 'client',
  summary:
    'Sends each line of input to an echo server and prints the echo; `exit` ends (seed 001).',
  defaultPort: 8888,
  flags: {
    timeout: secondsFlag(
      CLIENT_TIMEOUT_MS,
      'give up connecting or waiting for an echo after this long',
    ),
  },
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  await runEchoClient({ host, port, timeoutMs }, readLines({ prompt: '> ' }));
  return 0;
});
