// `pnpm --filter udp-echo client [--timeout SECONDS] [--retries N]`: one datagram per line
// of input (typed at the `>> ` prompt, or piped), each echo printed. Exits 1 if any message
// got no answer.
import {
  onShutdown,
  readLines,
  runCli,
  toInteger,
  toMilliseconds,
  UsageError,
} from '@socket-lab/common';
import type { UdpRequester } from '@socket-lab/common/udp-request';
import { RETRIES, runEchoClient, TIMEOUT_MS } from '../client.js';

const spec = {
  usage: 'pnpm --filter udp-echo client',
  role: 'client',
  summary: 'Sends each line as one UDP datagram and prints its echo; resends when no answer comes.',
  defaultPort: 8888,
  flags: {
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: String(TIMEOUT_MS / 1000),
      description: 'how long each try waits for the echo',
    },
    retries: {
      type: 'string',
      valueName: 'N',
      default: String(RETRIES),
      description: 'how many times to send again before calling a message lost',
    },
  },
  notes: [
    'empty lines are skipped; a line "exit" quits without being sent.',
    "example: printf 'hello\\nworld\\n' | pnpm --filter udp-echo client",
  ],
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  if (timeoutMs === 0) throw new UsageError('--timeout must be more than 0 seconds');
  const retries = toInteger(flags.retries, '--retries', 0, 100);
  let requester: UdpRequester | undefined;
  onShutdown(async () => {
    await requester?.close();
    process.exit(0); // stdin may still be open at the prompt: we are done anyway
  });
  const result = await runEchoClient({
    host,
    port,
    timeoutMs,
    retries,
    lines: readLines({ prompt: '>> ' }),
    opened: (r) => {
      requester = r;
    },
  });
  return result.unanswered > 0 ? 1 : 0;
});
