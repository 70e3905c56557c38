// `pnpm --filter udp-time start [--utc | --tz ZONE]`: seed 002's UDP time server. Each
// datagram is a strftime format; the answer is the time now in that format.
import { bindUdp, onShutdown, runCli, UsageError } from '@socket-lab/common';
import { DEFAULT_FORMAT } from '../protocol.js';
import { MAX_ANSWER_BYTES, MAX_FORMAT_BYTES, serveTime } from '../server.js';
import { TimeZone } from '../time-format/zone.js';

const spec = {
  usage: 'pnpm --filter udp-time start',
  role: 'server',
  // A UDP server binds its port; it does not listen for connections.
  portHelp: 'port to bind, 0 picks a free one',
  summary: 'A UDP time server: send a Python strftime format, get the time now in that format.',
  defaultPort: 9000,
  flags: {
    utc: { type: 'boolean', description: 'answer in UTC' },
    tz: {
      type: 'string',
      valueName: 'ZONE',
      description: 'answer in this IANA time zone, e.g. Asia/Shanghai (default: this machine’s)',
    },
    quiet: { type: 'boolean', description: 'log nothing per datagram' },
  },
  notes: [
    `an empty datagram means "${DEFAULT_FORMAT}"; formats over ${MAX_FORMAT_BYTES} bytes and answers over ${MAX_ANSWER_BYTES} get a short error answer.`,
    "try: echo -n '%H:%M:%S' | nc -u -w1 127.0.0.1 9000",
  ],
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  if (flags.utc && flags.tz !== undefined)
    throw new UsageError('--utc and --tz cannot be used together');
  const zone = flags.utc
    ? TimeZone.utc()
    : flags.tz !== undefined
      ? namedZone(flags.tz)
      : TimeZone.local();
  const { socket } = await bindUdp({ host, port });
  console.log(`answering in time zone ${zone.name}`);
  serveTime(socket, {
    now: () => zone.fieldsAt(Date.now()),
    log: flags.quiet ? null : console.log,
  });
  onShutdown(() => new Promise<void>((resolve) => socket.close(() => resolve())));
});

function namedZone(name: string): TimeZone {
  try {
    return TimeZone.named(name);
  } catch {
    throw new UsageError(`--tz must be an IANA time zone such as Asia/Shanghai (got "${name}")`);
  }
}
