// `pnpm --filter udp-time bench [--senders K] [--requests N] [--rounds R] [--format F]
// [--json] [--quick]`: answers per second from our time server and from a Python 3 port of
// seed 002's, both running in this same invocation under the same client, measured in
// rounds that take turns, so the two figures compare. Each of K senders has its own socket
// and asks N times a round, one at a time, each waiting for its answer (no retries: an
// answer that does not come within --timeout counts as lost). Both servers answer in UTC.
// --json prints one JSON document and nothing else on stdout; --quick runs a small load.
import { fileURLToPath } from 'node:url';
import { runUdpBench, UDP_BENCH_FLAGS, udpLoadFromFlags } from '@socket-lab/bench/udp';
import { runCli } from '@socket-lab/common';
import { hasPython3, spawnCli, spawnProgram } from '@socket-lab/common/testing';
import { DEFAULT_FORMAT, isErrorAnswer } from '../src/protocol.js';

/** What we aim for: at least this share of the seed's answers per second (issue 13). */
const GOAL = 0.9;

const spec = {
  usage: 'pnpm --filter udp-time bench',
  role: 'client',
  summary: 'Answers per second from our UDP time server and seed 002’s Python server.',
  defaultPort: 0,
  flags: {
    ...UDP_BENCH_FLAGS,
    format: {
      type: 'string',
      valueName: 'F',
      default: DEFAULT_FORMAT,
      description: 'the strftime format every request carries',
    },
  },
  notes: [
    '--host picks the loopback address the servers bind (127.0.0.1 or ::1); --port is not used.',
  ],
} as const;

await runCli(spec, async ({ host, flags }) => {
  const format = Buffer.from(flags.format);
  const load = udpLoadFromFlags(host, flags, {
    payload: () => format,
    // A time is not a copy of the request, so any answer from the server's address (which
    // UdpRequester checks) is the answer, unless it is one of our server's error lines.
    isAnswer: (answer) => answer.length > 0 && !isErrorAnswer(answer.toString()),
  });
  // With --json, stdout holds the document alone: what a person reads goes to stderr.
  const say = flags.json ? console.error : console.log;
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  // The same zone on both sides: UTC, through --utc for ours and TZ for Python's strftime.
  const env = { TZ: 'UTC' };
  const { senders, requests, rounds, timeoutMs } = load;
  say(
    `udp-time bench: ${senders} ${senders === 1 ? 'sender' : 'senders'} × ${requests} requests "${flags.format}" on ${host}, ` +
      `one at a time per sender, ${rounds} ${rounds === 1 ? 'round' : 'rounds'} per server, timeout ${timeoutMs / 1000} s`,
  );
  const servers = [
    {
      name: `udp-time (Node ${process.versions.node})`,
      start: () =>
        spawnCli(pkg, 'src/bin/start.ts', ['--host', host, '--port', '0', '--utc', '--quiet'], {
          keepStdinOpen: true,
          env,
        }),
    },
  ];
  if (hasPython3()) {
    servers.push({
      name: 'seed 002 time server (Python 3)',
      start: () =>
        spawnProgram('python3', ['test/fixtures/seed002_time_server.py', host, '0', 'quiet'], pkg, {
          keepStdinOpen: true,
          env,
        }),
    });
  } else {
    say('python3 not found: only our server was measured');
  }
  return runUdpBench(servers, load, {
    bench: 'udp-time',
    ratioLabel: 'ours / seed 002',
    goal: GOAL,
    json: flags.json === true,
    params: { format: flags.format },
  });
});
