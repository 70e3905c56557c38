// `pnpm --filter udp-time bench [--senders K] [--requests N] [--rounds R] [--format F]
// [--json] [--quick]`: answers per second from our time server and from a Python 3 port of
// seed 002's, both running in this same invocation under the same client, measured in
// rounds that take turns, so the two figures compare. Each of K senders has its own socket
// and asks N times a round, one at a time, each waiting for its answer (no retries: an
// answer that does not come within --timeout counts as lost). Both servers answer in UTC.
// --json prints one JSON document and nothing else on stdout; --quick runs a small load.
// What is particular to the time server is here; the rest is @socket-lab/bench's.
import { fileURLToPath } from 'node:url';
import { runUdpSeedBench, udpBenchSpec } from '@socket-lab/bench/udp';
import { runCli } from '@socket-lab/common';
import { DEFAULT_FORMAT, isErrorAnswer } from '../src/protocol.js';

/** What we aim for: at least this share of the seed's answers per second (issue 13). */
const GOAL = 0.9;

const spec = udpBenchSpec(
  'udp-time',
  'Answers per second from our UDP time server and seed 002’s Python server.',
  {
    format: {
      type: 'string',
      valueName: 'F',
      default: DEFAULT_FORMAT,
      description: 'the strftime format every request carries',
    },
  },
);

await runCli(spec, async ({ host, flags }) => {
  const format = Buffer.from(flags.format);
  return runUdpSeedBench({
    bench: 'udp-time',
    pkg: fileURLToPath(new URL('..', import.meta.url)),
    host,
    flags,
    requests: {
      payload: () => format,
      // A time is not a copy of the request, so any answer from the server's address (which
      // UdpRequester checks) is the answer, unless it is one of our server's error lines.
      isAnswer: (answer) => answer.length > 0 && !isErrorAnswer(answer.toString()),
    },
    what: `requests "${flags.format}"`,
    // The same zone on both sides: UTC, through --utc for ours and TZ for Python's strftime.
    ourFlags: ['--utc'],
    env: { TZ: 'UTC' },
    seed: {
      id: 'seed 002',
      name: 'seed 002 time server (Python 3)',
      script: 'seed002_time_server.py',
    },
    goal: GOAL,
    params: { format: flags.format },
  });
});
