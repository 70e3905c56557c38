// `pnpm --filter udp-time client [--format F] [--timeout SECONDS] [--retries N]`: asks the
// time server for each format typed at the prompt (or piped), or once for --format.
// Exits 1 if a question got no answer or an error answer.
import { readLines, runCli } from '@socket-lab/common';
import { closeOnShutdown, readRetryFlags, retryFlagSpecs } from '@socket-lab/common/udp-request';
import { PROMPT, runTimeClient } from '../client.js';

const spec = {
  usage: 'pnpm --filter udp-time client',
  role: 'client',
  // UDP has no connection: each datagram is sent to the address.
  hostHelp: 'address to send to',
  portHelp: 'port to send to',
  summary: 'Asks the UDP time server for the time in a strftime format, e.g. %Y-%m-%d %H:%M.',
  defaultPort: 9000,
  flags: {
    format: {
      type: 'string',
      valueName: 'F',
      description: 'ask once for this format and exit ("" asks for the default)',
    },
    ...retryFlagSpecs({ answer: 'the answer', giveUp: 'giving up' }),
  },
  notes: [
    'without --format: one format per line; an empty line asks for the default; "exit" quits.',
  ],
} as const;

async function* once(format: string): AsyncGenerator<string> {
  yield format;
}

await runCli(spec, async ({ host, port, flags }) => {
  const result = await runTimeClient({
    host,
    port,
    ...readRetryFlags(flags),
    formats: flags.format !== undefined ? once(flags.format) : readLines({ prompt: PROMPT }),
    opened: closeOnShutdown(), // Ctrl+C closes the socket and exits 0, even at the prompt
  });
  return result.unanswered + result.errors > 0 ? 1 : 0;
});
