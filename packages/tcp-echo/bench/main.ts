// `pnpm --filter tcp-echo bench [--clients C] [--messages M] [--size S] [--host --port]`:
// C connections, each sending M messages of S bytes and awaiting each whole echo; every byte
// checked. Without --port it starts our server, a minimal Node echo and the seed's Python
// server, and prints them side by side. --clients and --size take lists: 1,100,1000.
// `--quick` is a small run of the same; `--json` prints one JSON line instead of the tables
// (progress stays on stderr), for `pnpm bench --quick`.
import { printJson, REPORT_FLAGS } from '@socket-lab/bench/report';
import { pinnableCpus, stopAll } from '@socket-lab/bench/system';
import {
  onShutdown,
  parseCli,
  runCli,
  toBytes,
  toChoice,
  toInteger,
  toMilliseconds,
  UsageError,
} from '@socket-lab/common';
import {
  benchDocument,
  bestRuns,
  formatMemoryTable,
  formatRatios,
  formatThroughputTable,
  realErrorSamples,
  realErrors,
} from './report.js';
import { PYTHON_MAX_CLIENTS, runBench, SERVERS, type ServerName } from './run.js';

/** A default no port can have: after parsing, it says that no port was given. */
const NO_PORT = -1;

/**
 * --quick: one load, 100 clients × 64 B, where ours and the pipe echo are both busy and so
 * comparable; two rounds each, the faster counts; each run stopped after 3 s, so that a
 * machine busy with other work makes it slower to read, not longer. Ours and the pipe echo
 * only, unless --servers says otherwise: the goal is against the pipe echo.
 */
const QUICK = {
  clients: '100',
  messages: '500',
  size: '64',
  rounds: '2',
  timeLimit: '3',
  servers: 'tcp-echo,pipe',
};
const ALL_SERVERS = Object.keys(SERVERS).join(',');

const spec = {
  usage: 'pnpm --filter tcp-echo bench',
  role: 'client',
  summary: 'Measures echo servers: msgs/s, MB/s, round-trip times, errors, CPU and memory.',
  defaultPort: 8888,
  flags: {
    clients: {
      type: 'string',
      valueName: 'C[,C…]',
      default: '100',
      description: 'concurrent connections',
    },
    messages: {
      type: 'string',
      valueName: 'M',
      default: '1000',
      description: 'messages per connection, one at a time',
    },
    size: {
      type: 'string',
      valueName: 'S[,S…]',
      default: '64',
      description: 'bytes per message (K, M suffixes)',
    },
    servers: {
      type: 'string',
      valueName: 'LIST',
      default: ALL_SERVERS,
      description: `servers to start and compare (python only up to ${PYTHON_MAX_CLIENTS} clients)`,
    },
    rounds: {
      type: 'string',
      valueName: 'N',
      default: '1',
      description: 'run each load N times per server, taking turns; show the fastest',
    },
    pin: {
      type: 'string',
      valueName: 'S,L|off',
      default: '0,1',
      description: 'run the server on CPU S and the load generator on CPU L (taskset)',
    },
    'time-limit': {
      type: 'string',
      valueName: 'SECONDS',
      default: '60',
      description: 'stop a run that takes longer than this (its row is marked *)',
    },
    'no-greeting': { type: 'boolean', description: 'with --port: the server does not greet first' },
    ...REPORT_FLAGS,
  },
  notes: [
    'Without --port it starts three servers on --host (port 0) and runs each load on each in turn.',
    'With --port it measures only the server already listening there (--no-greeting if it is silent).',
  ],
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  // Here "no --port (and no PORT)" means "start the servers". The parser fills in the
  // default port, so ask it once more with a default that no real port can have.
  const portGiven = parseCli({ ...spec, defaultPort: NO_PORT }).port !== NO_PORT;
  const quick = flags.quick === true;
  // --quick replaces the load flags; the others (--servers, --pin, --host) still apply.
  const load = quick
    ? QUICK
    : {
        clients: flags.clients,
        messages: flags.messages,
        size: flags.size,
        rounds: flags.rounds,
        timeLimit: flags['time-limit'],
      };
  const clients = list(load.clients).map((c) => toInteger(c, '--clients', 1, 15_000));
  const sizes = list(load.size).map((s) => toBytes(s, '--size'));
  if (sizes.some((s) => s < 1 || s > 64 * 1024 * 1024))
    throw new UsageError('--size must be from 1 byte to 64M');
  const messages = toInteger(load.messages, '--messages', 1, 10_000_000);
  if (Math.max(...clients) * messages > 20_000_000)
    throw new UsageError('--clients × --messages must be at most 20,000,000');
  const serverList = quick && flags.servers === ALL_SERVERS ? QUICK.servers : flags.servers;
  const servers = list(serverList).map((s) =>
    toChoice(s, '--servers', Object.keys(SERVERS) as ServerName[]),
  );
  const timeLimitMs = toMilliseconds(load.timeLimit, '--time-limit');
  const rounds = toInteger(load.rounds, '--rounds', 1, 20);
  const pin = choosePin(flags.pin, portGiven);
  onShutdown(stopAll);
  const runs = await runBench({
    host,
    port: portGiven ? port : undefined,
    greeting: !flags['no-greeting'],
    clients,
    sizes,
    messages,
    rounds,
    pin,
    timeLimitMs,
    servers,
    progress: (line) => console.error(`running ${line}`),
  });
  const shown = bestRuns(runs);
  const ours = SERVERS['tcp-echo'].label;
  const failed = runs.some((r) => realErrors(r.result) > 0 || r.result.messages === 0);
  if (flags.json) {
    const params = { quick, clients, messages, sizes, rounds, servers, timeLimitMs, pin };
    printJson(benchDocument(shown, params, ours));
    return failed ? 1 : 0;
  }
  console.log(formatThroughputTable(shown));
  for (const line of formatRatios(shown, ours)) console.log(line);
  for (const run of runs.filter((r) => realErrors(r.result) > 0)) {
    const what = `${run.server}, ${run.clients} clients × ${run.size} bytes`;
    console.log(`errors (${what}): ${realErrorSamples(run.result).join(', ')}`);
  }
  if (runs.some((r) => r.result.stoppedByTimeLimit)) {
    console.log(
      '* stopped at --time-limit: its rate is over the messages done; "unfinished" counts the clients left waiting for a greeting or an echo',
    );
  }
  const memory = formatMemoryTable(runs);
  if (memory) console.log(`\n${memory}`);
  return failed ? 1 : 0;
});

/**
 * Pinning keeps the two programs on a core each. Unpinned, the kernel may put both on the
 * same core or not, run by run, and a one-client ping-pong changes speed several times over
 * with it (BENCH.md has the figures).
 */
function choosePin(text: string, portGiven: boolean): [number, number] | null {
  if (text === 'off') return null;
  const cpus = list(text).map((c) => toInteger(c, '--pin', 0, 1023));
  if (cpus.length !== 2)
    throw new UsageError(`--pin must be two CPUs such as 0,1, or off (got "${text}")`);
  if (!pinnableCpus()) {
    console.error('(not pinning: this needs 2 CPUs or more and taskset)');
    return null;
  }
  const server = portGiven ? '' : `server on CPU ${cpus[0]}, `;
  console.error(`(${server}load generator on CPU ${cpus[1]})`);
  return cpus as [number, number];
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
