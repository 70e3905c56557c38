// `pnpm --filter tcp-echo bench [--clients C] [--messages M] [--size S] [--host --port]`:
// C connections, each sending M messages of S bytes and awaiting each whole echo; every byte
// checked. Without --port it starts our server, a minimal Node echo and the seed's Python
// server, and prints them side by side. --clients and --size take lists: 1,100,1000.
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
import { bestRuns, formatMemoryTable, formatRatios, formatThroughputTable } from './report.js';
import { PYTHON_MAX_CLIENTS, runBench, SERVERS, type ServerName } from './run.js';

/** A default no port can have: after parsing, it says that no port was given. */
const NO_PORT = -1;

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
      default: Object.keys(SERVERS).join(','),
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
  const clients = list(flags.clients).map((c) => toInteger(c, '--clients', 1, 15_000));
  const sizes = list(flags.size).map((s) => toBytes(s, '--size'));
  if (sizes.some((s) => s < 1 || s > 64 * 1024 * 1024))
    throw new UsageError('--size must be from 1 byte to 64M');
  const messages = toInteger(flags.messages, '--messages', 1, 10_000_000);
  if (Math.max(...clients) * messages > 20_000_000)
    throw new UsageError('--clients × --messages must be at most 20,000,000');
  const servers = list(flags.servers).map((s) =>
    toChoice(s, '--servers', Object.keys(SERVERS) as ServerName[]),
  );
  const timeLimitMs = toMilliseconds(flags['time-limit'], '--time-limit');
  const rounds = toInteger(flags.rounds, '--rounds', 1, 20);
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
  console.log(formatThroughputTable(shown));
  for (const line of formatRatios(shown, SERVERS['tcp-echo'].label)) console.log(line);
  for (const run of runs.filter((r) => r.result.errors > 0)) {
    const what = `${run.server}, ${run.clients} clients × ${run.size} bytes`;
    console.log(`errors (${what}): ${run.result.errorSamples.join(', ')}`);
  }
  const memory = formatMemoryTable(runs);
  if (memory) console.log(`\n${memory}`);
  return runs.some((r) => r.result.errors > 0) ? 1 : 0;
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
