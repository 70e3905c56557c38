// `pnpm --filter udp-echo bench [--senders K] [--requests N] [--rounds R] [--size BYTES]
// [--json] [--quick]`: round trips per second through our echo server and through a Python 3
// port of seed 002's server, both running in this same invocation under the same client,
// measured in rounds that take turns, so the two figures compare. Each of K senders has its
// own socket and sends N datagrams a round, one at a time, each waiting for its echo (no
// retries: an echo that does not come within --timeout counts as lost). --json prints one
// JSON document and nothing else on stdout; --quick runs a small load. What is particular
// to the echo is here; the rest is @socket-lab/bench's (runUdpSeedBench, shared with udp-time).
import { fileURLToPath } from 'node:url';
import { runUdpSeedBench, udpBenchSpec } from '@socket-lab/bench/udp';
import { runCli, toBytes, UsageError } from '@socket-lab/common';
import { isEchoOf } from '../src/protocol.js';

/** What we aim for: at least this share of the seed's round trips per second (issue 13). */
const GOAL = 0.9;

const spec = udpBenchSpec(
  'udp-echo',
  'Round trips per second through our UDP echo server and seed 002’s Python server.',
  {
    size: {
      type: 'string',
      valueName: 'BYTES',
      default: '64',
      description: 'bytes per datagram (seed 002 keeps 1024)',
    },
  },
);

await runCli(spec, async ({ host, flags }) => {
  const size = toBytes(flags.size, '--size');
  if (size < 1 || size > 65_507) throw new UsageError('--size must be from 1 to 65507 bytes');
  return runUdpSeedBench({
    bench: 'udp-echo',
    pkg: fileURLToPath(new URL('..', import.meta.url)),
    host,
    flags,
    requests: {
      payload: (s, i) => Buffer.alloc(size, `sender ${s} datagram ${i} `),
      isAnswer: isEchoOf,
    },
    what: `datagrams of ${size} bytes`,
    seed: { id: 'seed 002', name: 'seed 002 server (Python 3)', script: 'seed002_udp_server.py' },
    goal: GOAL,
    params: { size },
  });
});
