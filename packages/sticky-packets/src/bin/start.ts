// `pnpm --filter sticky-packets start [--framing none|length|line] [--udp] [--delay S]`:
// the receiver of seed 003. It reads with recv(1024) and random pauses and prints every
// read, so you see writes merge and split; --framing shows the fix, --udp the other world.
// The limits (--max-clients, --idle-timeout, --max-buffered, --grace) are src/limits.ts's.
import {
  bindUdp,
  closeServer,
  DEFAULT_MAX_FRAME_BYTES,
  listenTcp,
  onShutdown,
  type ParsedCli,
  runCli,
  secondsFlag,
  toBytes,
  toInteger,
  toMilliseconds,
  trackConnections,
  UsageError,
} from '@socket-lab/common';
import { CLOSE_GRACE_MS, IDLE_TIMEOUT_MS, MAX_BUFFERED_BYTES, MAX_CLIENTS } from '../limits.js';
import { createReceiver, DEFAULT_DELAY_MS, RECV_BYTES } from '../receiver.js';
import { receiveDatagrams } from '../udp-receiver.js';
import { framingFlags, readFraming } from './flags.js';

const spec = {
  usage: 'pnpm --filter sticky-packets start',
  role: 'server',
  // With --udp nothing listens: a receiver binds its address (and TCP binds one too).
  portHelp: 'port to bind, 0 picks a free one',
  summary:
    'Receives the way seed 003 does (recv(1024), a random pause between reads) and prints each read.',
  defaultPort: 6666,
  flags: {
    ...framingFlags({
      none: 'raw reads',
      line: 'split on \\n',
      udp: 'receive UDP datagrams instead (each stays whole)',
    }),
    delay: secondsFlag(DEFAULT_DELAY_MS, 'longest random pause between reads; 0 = none'),
    buffer: {
      type: 'string',
      valueName: 'BYTES',
      default: String(RECV_BYTES),
      description: 'most bytes one read takes, as recv(1024)',
    },
    'max-message': {
      type: 'string',
      valueName: 'SIZE',
      default: '16M',
      description: 'largest message --framing length or line accepts',
    },
    'max-clients': {
      type: 'string',
      valueName: 'N',
      default: String(MAX_CLIENTS),
      description: 'TCP: serve at most N clients at once, tell the others and close; 0 = no limit',
    },
    'idle-timeout': secondsFlag(
      IDLE_TIMEOUT_MS,
      'TCP: tell a client that sends nothing this long, and close; 0 = never',
    ),
    'max-buffered': {
      type: 'string',
      valueName: 'SIZE',
      default: `${MAX_BUFFERED_BYTES / 1024 / 1024}M`,
      description: 'TCP: bytes held for all clients; the one that would pass it is told; 0 = none',
    },
    grace: secondsFlag(
      CLOSE_GRACE_MS,
      'TCP: a client told to go is cut off this long after, whatever it sends',
    ),
  },
  notes: ['Send to it: pnpm --filter sticky-packets client (same --framing, or --udp)'] as string[],
} as const;

await runCli(spec, main);

async function main({ host, port, flags }: ParsedCli<typeof spec.flags>): Promise<void> {
  const framing = readFraming(flags);
  const delayMs = toMilliseconds(flags.delay, '--delay');
  const readBytes = toBytes(flags.buffer, '--buffer');
  if (readBytes < 1) throw new UsageError('--buffer must be at least 1 byte');
  const maxMessageBytes = toBytes(flags['max-message'], '--max-message');
  // 0 used to fall back to the default in silence; a limit of no bytes is surely a mistake.
  if (maxMessageBytes < 1) throw new UsageError('--max-message must be at least 1 byte');
  if (maxMessageBytes > 0xffff_ffff) {
    throw new UsageError(`--max-message must be at most 4G - 1 (what 4 bytes can say)`);
  }
  const limits = {
    maxClients: toInteger(flags['max-clients'], '--max-clients', 0, 1_000_000),
    idleTimeoutMs: toMilliseconds(flags['idle-timeout'], '--idle-timeout'),
    maxBufferedBytes: toBytes(flags['max-buffered'], '--max-buffered'),
    closeGraceMs: toMilliseconds(flags.grace, '--grace'),
  };

  if (flags.udp) {
    const { socket } = await bindUdp({ host, port });
    socket.on('error', (err) => console.error(`udp socket: ${err.message}`));
    onShutdown(() => {
      socket.close();
    });
    await receiveDatagrams(socket, { readBytes, delayMs });
    return;
  }
  const server = createReceiver({
    framing,
    readBytes,
    delayMs,
    maxMessageBytes: maxMessageBytes || DEFAULT_MAX_FRAME_BYTES,
    ...limits,
  });
  const open = trackConnections(server);
  await listenTcp(server, { host, port });
  onShutdown(() => closeServer(server, open));
}
