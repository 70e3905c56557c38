// The UDP request/answer benchmark that udp-echo and udp-time share: K senders, each with its
// own socket, each sending N requests one at a time and waiting for the answer (no retries:
// an answer that does not come within the timeout counts as lost). Every server is started
// as its own process, warmed up, and then measured in rounds that take turns (ours, seed,
// seed, ours, …), so that a neighbour's burst on a shared machine falls on both and the
// figures of one invocation compare. A row's rate is the median of its rounds. Beside the
// rates it reads the CPU time of each server and of this process (the load generator, which
// sends and receives as much as any server): a load generator near 100% is the limit, and
// then a rate says as much about it as about the server. Loopback only; every loop is
// bounded in count and time. Both benches pit an example's server against a Python port of
// its seed's: udpBenchSpec is their command line, runUdpSeedBench all the rest of their run.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { type CliSpec, type FlagSpec, toInteger, toMilliseconds } from '@socket-lab/common';
import {
  type CliProcess,
  hasPython3,
  spawnCli,
  spawnProgram,
  waitForListening,
} from '@socket-lab/common/testing';
import { UdpRequester } from '@socket-lab/common/udp-request';
import { type BenchRow, compare, printJson, REPORT_FLAGS } from './report.js';
import { percentile } from './stats.js';
import { CLOCK_TICKS, readCpuTicks } from './system.js';
import { markdownTable } from './table.js';

/** The flags both UDP benches take (with --json and --quick); spread them into `flags`. */
export const UDP_BENCH_FLAGS = {
  senders: {
    type: 'string',
    valueName: 'K',
    default: '8',
    description: 'senders at once, each with its own socket',
  },
  requests: {
    type: 'string',
    valueName: 'N',
    default: '5000',
    description: 'requests per sender and round, one at a time',
  },
  rounds: {
    type: 'string',
    valueName: 'R',
    default: '3',
    description: 'measured rounds per server, taking turns; a row shows the median',
  },
  timeout: {
    type: 'string',
    valueName: 'SECONDS',
    default: '0.5',
    description: 'an answer later than this counts as lost',
  },
  limit: {
    type: 'string',
    valueName: 'SECONDS',
    default: '60',
    description: 'stop each round after this long',
  },
  ...REPORT_FLAGS,
} as const;

/** --quick: at most this many requests per sender and round (the default is 5000). */
export const QUICK_REQUESTS = 1000;
/** --quick: each round stops after this long at the most. */
const QUICK_LIMIT_MS = 5000;

/** The load UDP_BENCH_FLAGS describe (checked: bad values are usage errors). */
export function udpLoadFromFlags(
  host: string,
  flags: {
    senders: string;
    requests: string;
    rounds: string;
    timeout: string;
    limit: string;
    quick?: boolean;
  },
  requests: Pick<UdpLoad, 'payload' | 'isAnswer'>,
): UdpLoad {
  const load = {
    host,
    senders: toInteger(flags.senders, '--senders', 1, 256),
    requests: toInteger(flags.requests, '--requests', 1, 1_000_000),
    rounds: toInteger(flags.rounds, '--rounds', 1, 100),
    timeoutMs: toMilliseconds(flags.timeout, '--timeout'),
    limitMs: toMilliseconds(flags.limit, '--limit'),
    ...requests,
  };
  if (flags.quick) {
    load.requests = Math.min(load.requests, QUICK_REQUESTS);
    load.limitMs = Math.min(load.limitMs, QUICK_LIMIT_MS);
  }
  return load;
}

export interface UdpLoad {
  host: string;
  /** Senders at once, each with its own socket. */
  senders: number;
  /** Requests per sender and round. */
  requests: number;
  /** Measured rounds per server (runUdpBench); runUdpLoad runs one. */
  rounds: number;
  /** An answer later than this counts as lost. */
  timeoutMs: number;
  /** Each round stops after this long, whatever is left. */
  limitMs: number;
  /** The bytes of request `index` of sender `sender`. */
  payload: (sender: number, index: number) => Buffer;
  /** Whether `answer` answers `request` (the source address is checked already). */
  isAnswer: (answer: Buffer, request: Buffer) => boolean;
}

/** What one server did under the load, in one round or summed over several. */
export interface UdpFigures {
  answered: number;
  lost: number;
  seconds: number;
  /** Round-trip times of the answered requests, in ms. */
  rtts: number[];
  /** CPU time (user + system) the server process used, in s; null where unknown. */
  serverCpuSeconds: number | null;
  /** CPU time (user + system) this process, the load generator, used, in s. */
  clientCpuSeconds: number;
}

/** Requests sent before the measured rounds and not counted: JIT compilation, caches. */
const WARM_UP_REQUESTS = 200;

/** The load against a server already listening on `port`: one round. */
export async function runUdpLoad(port: number, load: UdpLoad): Promise<UdpFigures> {
  const figures: UdpFigures = {
    answered: 0,
    lost: 0,
    seconds: 0,
    rtts: [],
    serverCpuSeconds: null,
    clientCpuSeconds: 0,
  };
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + load.limitMs;
  await Promise.all(
    Array.from({ length: load.senders }, async (_, sender) => {
      const requester = await UdpRequester.open(load.host, port);
      try {
        for (let i = 0; i < load.requests && performance.now() < deadline; i++) {
          const outcome = await requester.request(load.payload(sender, i), {
            timeoutMs: load.timeoutMs,
            retries: 0,
            isAnswer: load.isAnswer,
          });
          if (!outcome.ok) figures.lost += 1;
          else {
            figures.answered += 1;
            if (outcome.rttMs !== null) figures.rtts.push(outcome.rttMs);
          }
        }
      } finally {
        await requester.close();
      }
    }),
  );
  figures.seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  figures.clientCpuSeconds = (used.user + used.system) / 1e6;
  return figures;
}

/** One round against the server process `pid` listens in, with that process's CPU time. */
async function measureRound(pid: number | undefined, port: number, load: UdpLoad) {
  const before = pid === undefined ? null : cpuTicksOf(pid);
  const figures = await runUdpLoad(port, load);
  const after = pid === undefined ? null : cpuTicksOf(pid);
  if (before !== null && after !== null) figures.serverCpuSeconds = (after - before) / CLOCK_TICKS;
  return figures;
}

/** A server's result: its rounds in the order they ran, and all of them summed. */
export interface UdpResult {
  name: string;
  rounds: UdpFigures[];
}

/** Round trips per second of one round. */
export const rateOf = (f: UdpFigures): number => (f.seconds > 0 ? f.answered / f.seconds : 0);

/** The median of the rounds' rates (the mean of the middle two for an even count). */
export function medianRate(rounds: readonly UdpFigures[]): number {
  const rates = rounds.map(rateOf).sort((a, b) => a - b);
  if (rates.length === 0) return 0;
  const mid = rates.length >> 1;
  return rates.length % 2
    ? (rates[mid] as number)
    : ((rates[mid - 1] as number) + (rates[mid] as number)) / 2;
}

/** Every round of a server added up: counts, seconds, round-trip times and CPU times. */
export function sumRounds(rounds: readonly UdpFigures[]): UdpFigures {
  const known = rounds.every((f) => f.serverCpuSeconds !== null);
  return {
    answered: rounds.reduce((n, f) => n + f.answered, 0),
    lost: rounds.reduce((n, f) => n + f.lost, 0),
    seconds: rounds.reduce((n, f) => n + f.seconds, 0),
    rtts: rounds.flatMap((f) => f.rtts),
    serverCpuSeconds: known ? rounds.reduce((n, f) => n + (f.serverCpuSeconds ?? 0), 0) : null,
    clientCpuSeconds: rounds.reduce((n, f) => n + f.clientCpuSeconds, 0),
  };
}

/**
 * A result's figures, by name with their unit: the median rate of its rounds; RTT
 * percentiles over every answer of every round; CPU as a share of the wall time (100% is
 * one core) and per answered request, over every round; then each round's rate.
 */
export function udpFigures(result: UdpResult): BenchRow['figures'] {
  const all = sumRounds(result.rounds);
  const sorted = [...all.rtts].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? percentile(sorted, q) : null);
  const share = (s: number | null) =>
    s === null || all.seconds <= 0 ? null : (100 * s) / all.seconds;
  const figures: BenchRow['figures'] = {
    'round trips/s': medianRate(result.rounds),
    'p50 ms': at(0.5),
    'p99 ms': at(0.99),
    'max ms': sorted.at(-1) ?? null,
    answered: all.answered,
    lost: all.lost,
    'server CPU %': share(all.serverCpuSeconds),
    'server CPU µs per answer':
      all.serverCpuSeconds === null || all.answered === 0
        ? null
        : (1e6 * all.serverCpuSeconds) / all.answered,
    'load generator CPU %': share(all.clientCpuSeconds),
  };
  result.rounds.forEach((f, i) => {
    figures[`round ${i + 1} round trips/s`] = rateOf(f);
  });
  return figures;
}

/**
 * The table, one row per server: the median round trips per second, RTT p50/p99/max, the
 * server's and the load generator's CPU, answered and lost over every round. With two
 * servers, a last line gives the first's median rate over the second's, and each round's
 * ratio (round i of one beside round i of the other).
 */
export function udpBenchTable(results: readonly UdpResult[], ratioLabel: string): string[] {
  const header = [
    'server',
    'round trips/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'server CPU %',
    'server µs/answer',
    'load gen CPU %',
    'answered',
    'lost',
  ];
  const fixed = (v: number | null | undefined, digits: number) =>
    v === null || v === undefined ? '-' : v.toFixed(digits);
  const cells = results.map((r) => {
    const f = udpFigures(r);
    return [
      r.name,
      Math.round(f['round trips/s'] ?? 0).toLocaleString('en-US'),
      fixed(f['p50 ms'], 3),
      fixed(f['p99 ms'], 3),
      fixed(f['max ms'], 3),
      fixed(f['server CPU %'], 0),
      fixed(f['server CPU µs per answer'], 1),
      fixed(f['load generator CPU %'], 0),
      String(f.answered),
      String(f.lost),
    ];
  });
  const out = markdownTable(header, cells);
  const [a, b] = results;
  if (results.length === 2 && a && b) {
    const perRound = a.rounds
      .map((f, i) => {
        const other = b.rounds[i];
        return other ? `${(rateOf(f) / rateOf(other)).toFixed(2)}×` : '-';
      })
      .join(', ');
    const median = medianRate(a.rounds) / medianRate(b.rounds);
    out.push(
      '',
      `${ratioLabel}: ${median.toFixed(2)}× the round trips per second`,
      `rounds: ${a.rounds.length}, ratio per round ${perRound}`,
    );
  }
  return out;
}

/** How runUdpBench reports: the bench's name, the ratio's label and goal, --json or not. */
export interface UdpReport {
  /** The bench's name in the JSON document (`udp-echo`). */
  bench: string;
  /** Names the ratio line under the table: `ours / seed 002`. */
  ratioLabel: string;
  /** The ratio of the first row's rate to the second's that the project aims for. */
  goal: number;
  /** One JSON document on stdout instead of the table. */
  json: boolean;
  /** Anything else about the load worth keeping in the document (`size`, `format`). */
  params?: Record<string, unknown>;
}

/**
 * Starts every server, warms each up, measures them in `load.rounds` rounds that take turns
 * (the order reversed every other round), stops them, and prints the table, or with
 * `report.json` one JSON document whose first row is compared with the second. Returns the
 * exit code: 1 if a server answered nothing. Every server is stopped, also on failure.
 */
export async function runUdpBench(
  servers: readonly { name: string; start: () => CliProcess }[],
  load: UdpLoad,
  report: UdpReport,
): Promise<number> {
  const procs: CliProcess[] = [];
  const results: UdpResult[] = servers.map((s) => ({ name: s.name, rounds: [] }));
  // How busy the machine was: on a shared one, this says more about a run than anything.
  const loadAverage = [os.loadavg()[0] ?? 0];
  try {
    const running: { pid: number | undefined; port: number }[] = [];
    for (const server of servers) {
      const proc = server.start();
      procs.push(proc);
      const { port } = await waitForListening(proc);
      running.push({ pid: proc.child.pid, port });
    }
    const warmUp = { ...load, requests: Math.min(load.requests, WARM_UP_REQUESTS) };
    for (const { port } of running) await runUdpLoad(port, warmUp);
    for (let round = 0; round < load.rounds; round++) {
      const order = running.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const server = running[i];
        const result = results[i];
        if (server && result) result.rounds.push(await measureRound(server.pid, server.port, load));
      }
    }
  } finally {
    for (const proc of procs) await proc.stop('SIGTERM');
  }
  loadAverage.push(os.loadavg()[0] ?? 0);

  if (report.json) {
    const rows = results.map((r) => ({ name: r.name, figures: udpFigures(r) }));
    const [ours, anchor] = rows;
    const comparisons =
      ours && anchor
        ? [
            compare(rows, {
              figure: 'round trips/s',
              row: ours.name,
              anchor: anchor.name,
              goal: report.goal,
            }),
            compare(rows, {
              figure: 'server CPU µs per answer',
              row: ours.name,
              anchor: anchor.name,
              lowerIsBetter: true,
            }),
          ]
        : [];
    printJson({
      bench: report.bench,
      params: {
        host: load.host,
        senders: load.senders,
        requests: load.requests,
        rounds: load.rounds,
        timeoutMs: load.timeoutMs,
        limitMs: load.limitMs,
        loadAverage,
        ...report.params,
      },
      rows,
      comparisons,
    });
  } else {
    console.log('');
    for (const line of udpBenchTable(results, report.ratioLabel)) console.log(line);
    const [before = 0, after = 0] = loadAverage;
    console.log(
      `load average ${before.toFixed(1)} at the start, ${after.toFixed(1)} at the end, on ${os.availableParallelism()} cores`,
    );
  }
  return results.some((r) => sumRounds(r.rounds).answered === 0) ? 1 : 0;
}

/**
 * The command line of a UDP bench: `pnpm --filter BENCH bench` with UDP_BENCH_FLAGS and
 * the bench's own `flags` after them (udp-echo's --size, udp-time's --format).
 */
export function udpBenchSpec<const F extends Record<string, FlagSpec>>(
  bench: string,
  summary: string,
  flags: F,
) {
  return {
    usage: `pnpm --filter ${bench} bench`,
    role: 'client',
    summary,
    defaultPort: 0,
    flags: { ...UDP_BENCH_FLAGS, ...flags },
    notes: [
      '--host picks the loopback address the servers bind (127.0.0.1 or ::1); --port is not used.',
    ],
  } as const satisfies CliSpec;
}

/** A bench of one example's UDP server against a Python 3 port of its seed's server. */
export interface UdpSeedBench {
  /** The example (`udp-echo`): its row, the first word of the load line, the JSON `bench`. */
  bench: string;
  /** The example's folder: ours runs as its src/bin/start.ts, the seed from test/fixtures/. */
  pkg: string;
  host: string;
  /** The flags of udpBenchSpec, checked here by udpLoadFromFlags. */
  flags: Parameters<typeof udpLoadFromFlags>[1] & { json?: boolean };
  /** What every sender sends, and which answers count. */
  requests: Pick<UdpLoad, 'payload' | 'isAnswer'>;
  /** The requests in the load line: `datagrams of 64 bytes`, `requests "%c"`. */
  what: string;
  /** Our server's flags besides --host, --port 0 and --quiet (udp-time's `--utc`). */
  ourFlags?: readonly string[];
  /**
   * The seed: `seed 002` names the ratio line, `name` its row; its `script` in
   * test/fixtures/ runs as `python3 SCRIPT HOST 0 quiet`.
   */
  seed: { id: string; name: string; script: string };
  /** Environment for both servers (udp-time's `TZ=UTC`). */
  env?: NodeJS.ProcessEnv;
  /** The ratio of our rate to the seed's that the project aims for. */
  goal: number;
  /** The bench's own load settings, for the JSON document (`size`, `format`). */
  params: Record<string, unknown>;
}

/**
 * Says what the load is, starts our server and, where python3 runs, the seed's, and
 * measures them with runUdpBench. With --json, stdout holds the document alone, so the
 * load line (and a missing python3) goes to stderr. Returns runUdpBench's exit code.
 */
export function runUdpSeedBench(b: UdpSeedBench): Promise<number> {
  const load = udpLoadFromFlags(b.host, b.flags, b.requests);
  const json = b.flags.json === true;
  const say = json ? console.error : console.log;
  const { host, senders, requests, rounds, timeoutMs } = load;
  say(
    `${b.bench} bench: ${senders} ${senders === 1 ? 'sender' : 'senders'} × ${requests} ${b.what} on ${host}, ` +
      `one at a time per sender, ${rounds} ${rounds === 1 ? 'round' : 'rounds'} per server, timeout ${timeoutMs / 1000} s`,
  );
  const env = b.env;
  const servers = [
    {
      name: `${b.bench} (Node ${process.versions.node})`,
      start: () =>
        spawnCli(
          b.pkg,
          'src/bin/start.ts',
          ['--host', host, '--port', '0', ...(b.ourFlags ?? []), '--quiet'],
          { keepStdinOpen: true, env },
        ),
    },
  ];
  if (hasPython3()) {
    const script = `test/fixtures/${b.seed.script}`;
    servers.push({
      name: b.seed.name,
      start: () =>
        spawnProgram('python3', [script, host, '0', 'quiet'], b.pkg, { keepStdinOpen: true, env }),
    });
  } else {
    say('python3 not found: only our server was measured');
  }
  return runUdpBench(servers, load, {
    bench: b.bench,
    ratioLabel: `ours / ${b.seed.id}`,
    goal: b.goal,
    json,
    params: b.params,
  });
}

/** A process's CPU ticks, or null once it is gone (or where there is no /proc). */
function cpuTicksOf(pid: number): number | null {
  try {
    return readCpuTicks(pid);
  } catch {
    return null;
  }
}
