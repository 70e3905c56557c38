// `pnpm --filter udp-echo bench [--senders K] [--requests N] [--rounds R] [--size BYTES]
// [--json] [--quick]`: round trips per second through our echo server and through a Python 3
// port of seed 002's server, both running in this same invocation under the same client,
// measured in rounds that take turns, so the two figures compare. Each of K senders has its
// own socket and sends N datagrams a round, one at a time, each waiting for its echo (no
// retries: an echo that does not come within --timeout counts as lost). --json prints one
// JSON document and nothing else on stdout; --quick runs a small load.
import { fileURLToPath } from 'node:url';
import { runUdpBench, UDP_BENCH_FLAGS, udpLoadFromFlags } from '@socket-lab/bench/udp';
import { runCli, toBytes, UsageError } from '@socket-lab/common';
// The test helpers already start a program, wait for its `listening on` line, and stop it.
import { hasPython3, spawnCli, spawnProgram } from '@socket-lab/common/testing';
import { isEchoOf } from '../src/protocol.js';

/** What we aim for: at least this share of the seed's round trips per second (issue 13). */
const GOAL = 0.9;

const spec = {
  usage: 'pnpm --filter udp-echo bench',
  role: 'client',
  summary: 'Round trips per second through our UDP echo server and seed 002’s Python server.',
  defaultPort: 0,
  flags: {
    ...UDP_BENCH_FLAGS,
    size: {
      type: 'string',
      valueName: 'BYTES',
      default: '64',
      description: 'bytes per datagram (seed 002 keeps 1024)',
    },
  },
  notes: [
    '--host picks the loopback address the servers bind (127.0.0.1 or ::1); --port is not used.',
  ],
} as const;

await runCli(spec, async ({ host, flags }) => {
  const size = toBytes(flags.size, '--size');
  if (size < 1 || size > 65_507) throw new UsageError('--size must be from 1 to 65507 bytes');
  const load = udpLoadFromFlags(host, flags, {
    payload: (s, i) => Buffer.alloc(size, `sender ${s} datagram ${i} `),
    isAnswer: isEchoOf,
  });
  // With --json, stdout holds the document alone: what a person reads goes to stderr.
  const say = flags.json ? console.error : console.log;
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  const { senders, requests, rounds, timeoutMs } = load;
  say(
    `udp-echo bench: ${senders} ${senders === 1 ? 'sender' : 'senders'} × ${requests} datagrams of ${size} bytes on ${host}, ` +
      `one at a time per sender, ${rounds} ${rounds === 1 ? 'round' : 'rounds'} per server, timeout ${timeoutMs / 1000} s`,
  );
  const servers = [
    {
      name: `udp-echo (Node ${process.versions.node})`,
      start: () =>
        spawnCli(pkg, 'src/bin/start.ts', ['--host', host, '--port', '0', '--quiet'], {
          keepStdinOpen: true,
        }),
    },
  ];
  if (hasPython3()) {
    servers.push({
      name: 'seed 002 server (Python 3)',
      start: () =>
        spawnProgram('python3', ['test/fixtures/seed002_udp_server.py', host, '0', 'quiet'], pkg, {
          keepStdinOpen: true,
        }),
    });
  } else {
    say('python3 not found: only our server was measured');
  }
  return runUdpBench(servers, load, {
    bench: 'udp-echo',
    ratioLabel: 'ours / seed 002',
    goal: GOAL,
    json: flags.json === true,
    params: { size },
  });
});
