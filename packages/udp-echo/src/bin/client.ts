// `pnpm --filter udp-echo client [--timeout SECONDS] [--retries N]`: one datagram per line
// of input (typed at the `>> ` prompt, or piped), each echo printed. Exits 1 if any message
// got no answer.
import { readLines, runCli } from '@socket-lab/common';
import { closeOnShutdown, readRetryFlags, retryFlagSpecs } from '@socket-lab/common/udp-request';
import { runEchoClient, sendEach } from '../client.js';

const spec = {
  usage: 'pnpm --filter udp-echo client',
  role: 'client',
  // UDP has no connection: each datagram is sent to the address.
  hostHelp: 'address to send to',
  portHelp: 'port to send to',
  summary: 'Sends each line as one UDP datagram and prints its echo; resends when no answer comes.',
  defaultPort: 8888,
  flags: {
    ...retryFlagSpecs({ answer: 'the echo', giveUp: 'calling a message lost' }),
    'no-wait': {
      type: 'boolean',
      description: "send each line and wait for nothing, like seed 001's client",
    },
  },
  notes: [
    'empty lines are skipped; a line "exit" quits without being sent.',
    "example: printf 'hello\\nworld\\n' | pnpm --filter udp-echo client",
  ],
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  if (flags['no-wait']) {
    await sendEach({ host, port, lines: readLines({ prompt: '>> ' }) });
    return 0; // nothing can tell us whether anyone got them
  }
  const result = await runEchoClient({
    host,
    port,
    ...readRetryFlags(flags),
    lines: readLines({ prompt: '>> ' }),
    opened: closeOnShutdown(), // Ctrl+C closes the socket and exits 0, even at the prompt
  });
  return result.unanswered > 0 ? 1 : 0;
});
