// `pnpm --filter sticky-packets client [--framing none|length|line] [--udp] [--gap S]`:
// the sender of seed 003. It sends the seed's seven messages (17, 1, 300, 1, 200, 1 and
// 2000 bytes) with random gaps, or your own with --message (repeatable) or --stdin.
import {
  type ParsedCli,
  readLines,
  runCli,
  secondsFlag,
  toMilliseconds,
  UsageError,
} from '@socket-lab/common';
import { SEED_MESSAGES } from '../protocol.js';
import { DEFAULT_GAP_MS, sendMessages } from '../sender.js';
import { sendDatagrams } from '../udp-sender.js';
import { framingFlags, readFraming } from './flags.js';

const spec = {
  usage: 'pnpm --filter sticky-packets client',
  role: 'client',
  // With --udp nothing connects: each datagram is sent to the address.
  hostHelp: 'address to send to',
  portHelp: 'port to send to',
  summary:
    "Sends seed 003's seven messages (17, 1, 300, 1, 200, 1, 2000 bytes), a random gap before each.",
  defaultPort: 6666,
  flags: {
    ...framingFlags({
      none: 'bytes as they are',
      line: 'add \\n',
      udp: 'send each message as one UDP datagram instead',
    }),
    gap: secondsFlag(DEFAULT_GAP_MS, 'longest random gap before each message; 0 = none'),
    message: {
      type: 'string',
      valueName: 'TEXT',
      multiple: true,
      description: "send TEXT instead of the seed's messages (repeat for more)",
    },
    stdin: {
      type: 'boolean',
      description: 'send each line of stdin as a message instead (a prompt on a terminal)',
    },
  },
} as const;

await runCli(spec, main);

async function main({ host, port, flags }: ParsedCli<typeof spec.flags>): Promise<number> {
  const framing = readFraming(flags);
  if (flags.stdin && flags.message.length > 0) {
    throw new UsageError('use --message or --stdin, not both');
  }
  if (framing === 'line' && flags.message.some((m) => m.includes('\n'))) {
    throw new UsageError('with --framing line a message cannot contain a newline (the delimiter)');
  }
  const gapMs = toMilliseconds(flags.gap, '--gap');
  const messages = flags.stdin
    ? fromLines(readLines({ prompt: 'message> ' }))
    : flags.message.length > 0
      ? flags.message.map((m) => Buffer.from(m))
      : SEED_MESSAGES;
  if (flags.udp) await sendDatagrams({ host, port, messages, gapMs });
  else await sendMessages({ host, port, framing, messages, gapMs });
  return 0;
}

async function* fromLines(lines: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const line of lines) yield Buffer.from(line);
}
