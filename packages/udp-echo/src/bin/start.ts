// `pnpm --filter udp-echo start [--upper] [--buffer BYTES] [--no-reply] [--quiet]`: the UDP echo server
// of seeds 001/002/003. Runs until Ctrl+C.
import { bindUdp, onShutdown, runCli, toInteger } from '@socket-lab/common';
import { serveEcho } from '../server.js';

const spec = {
  usage: 'pnpm --filter udp-echo start',
  role: 'server',
  // A UDP server binds its port; it does not listen for connections.
  portHelp: 'port to bind, 0 picks a free one',
  summary: 'A UDP echo server (RFC 862): every datagram goes back to its sender, whole.',
  defaultPort: 8888,
  flags: {
    upper: {
      type: 'boolean',
      description: "answer upper-cased (a-z only), like seed 002's server",
    },
    buffer: {
      type: 'string',
      valueName: 'BYTES',
      description: 'log what recvfrom(BYTES) would keep and drop, e.g. 1024 (seed 003)',
    },
    'no-reply': {
      type: 'boolean',
      description: "print each datagram and answer nothing, like seed 001's server",
    },
    quiet: {
      type: 'boolean',
      description: 'log nothing per datagram (for benchmarks)',
    },
  },
  notes: ['try: nc -u 127.0.0.1 8888   (type a line, see it come back)'],
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const bufferBytes =
    flags.buffer === undefined ? undefined : toInteger(flags.buffer, '--buffer', 1, 65_535);
  const { socket } = await bindUdp({ host, port });
  serveEcho(socket, {
    upper: flags.upper,
    bufferBytes,
    reply: !flags['no-reply'],
    log: flags.quiet ? null : console.log,
  });
  onShutdown(() => new Promise<void>((resolve) => socket.close(() => resolve())));
});
