// `pnpm --filter udp-time client [--format F] [--timeout SECONDS] [--retries N]`: asks the
// time server for each format typed at the prompt (or piped), or once for --format.
// Exits 1 if a question got no answer or an error answer.
import {
  onShutdown,
  readLines,
  runCli,
  toInteger,
  toMilliseconds,
  UsageError,
} from '@socket-lab/common';
import type { UdpRequester } from '@socket-lab/common/udp-request';
import { PROMPT, RETRIES, runTimeClient, TIMEOUT_MS } from '../client.js';

const spec = {
  usage: 'pnpm --filter udp-time client',
  role: 'client',
  summary: 'Asks the UDP time server for the time in a strftime format, e.g. %Y-%m-%d %H:%M.',
  defaultPort: 9000,
  flags: {
    format: {
      type: 'string',
      valueName: 'F',
      description: 'ask once for this format and exit ("" asks for the default)',
    },
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: String(TIMEOUT_MS / 1000),
      description: 'how long each try waits for the answer',
    },
    retries: {
      type: 'string',
      valueName: 'N',
      default: String(RETRIES),
      description: 'how many times to send again before giving up',
    },
  },
  notes: [
    'without --format: one format per line; an empty line asks for the default; "exit" quits.',
  ],
} as const;

async function* once(format: string): AsyncGenerator<string> {
  yield format;
}

await runCli(spec, async ({ host, port, flags }) => {
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  if (timeoutMs === 0) throw new UsageError('--timeout must be more than 0 seconds');
  const retries = toInteger(flags.retries, '--retries', 0, 100);
  let requester: UdpRequester | undefined;
  onShutdown(async () => {
    await requester?.close();
    process.exit(0); // stdin may still be open at the prompt: we are done anyway
  });
  const result = await runTimeClient({
    host,
    port,
    timeoutMs,
    retries,
    formats: flags.format !== undefined ? once(flags.format) : readLines({ prompt: PROMPT }),
    opened: (r) => {
      requester = r;
    },
  });
  return result.unanswered + result.errors > 0 ? 1 : 0;
});
