// The UDP request/answer benchmark that udp-echo and udp-time share: K senders, each with its
// own socket, each sending N requests one at a time and waiting for the answer (no retries:
// an answer that does not come within the timeout counts as lost). Each server is started as
// its own process, measured, and stopped, one after the other with the same load, so the
// figures of one invocation compare. Loopback only; every loop is bounded in count and time.
import { performance } from 'node:perf_hooks';
import { toInteger, toMilliseconds } from '@socket-lab/common';
import { type CliProcess, waitForListening } from '@socket-lab/common/testing';
import { UdpRequester } from '@socket-lab/common/udp-request';
import { percentile } from './stats.js';
import { markdownTable } from './table.js';

/** The flags both UDP benches take; spread them into a CliSpec's `flags`. */
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
    description: 'requests per sender, one at a time',
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
    description: 'stop each server’s run after this long',
  },
} as const;

/** The load UDP_BENCH_FLAGS describe (checked: bad values are usage errors). */
export function udpLoadFromFlags(
  host: string,
  flags: { senders: string; requests: string; timeout: string; limit: string },
  requests: Pick<UdpLoad, 'payload' | 'isAnswer'>,
): UdpLoad {
  return {
    host,
    senders: toInteger(flags.senders, '--senders', 1, 256),
    requests: toInteger(flags.requests, '--requests', 1, 1_000_000),
    timeoutMs: toMilliseconds(flags.timeout, '--timeout'),
    limitMs: toMilliseconds(flags.limit, '--limit'),
    ...requests,
  };
}

export interface UdpLoad {
  host: string;
  /** Senders at once, each with its own socket. */
  senders: number;
  /** Requests per sender. */
  requests: number;
  /** An answer later than this counts as lost. */
  timeoutMs: number;
  /** Each server's run stops after this long, whatever is left. */
  limitMs: number;
  /** The bytes of request `index` of sender `sender`. */
  payload: (sender: number, index: number) => Buffer;
  /** Whether `answer` answers `request` (the source address is checked already). */
  isAnswer: (answer: Buffer, request: Buffer) => boolean;
}

/** What one server did under the load. */
export interface UdpFigures {
  answered: number;
  lost: number;
  seconds: number;
  /** Round-trip times of the answered requests, in ms. */
  rtts: number[];
}

/** Requests sent before the measured run and not counted: JIT compilation, caches. */
const WARM_UP_REQUESTS = 200;

/**
 * Waits for `proc`'s `listening on` line, warms it up, runs the load, and stops it with
 * SIGTERM (also when the run fails).
 */
export async function measureUdpServer(proc: CliProcess, load: UdpLoad): Promise<UdpFigures> {
  try {
    const { port } = await waitForListening(proc);
    await runUdpLoad(port, { ...load, requests: Math.min(load.requests, WARM_UP_REQUESTS) });
    return await runUdpLoad(port, load);
  } finally {
    await proc.stop('SIGTERM');
  }
}

/** The load against a server already listening on `port`. */
export async function runUdpLoad(port: number, load: UdpLoad): Promise<UdpFigures> {
  const figures: UdpFigures = { answered: 0, lost: 0, seconds: 0, rtts: [] };
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
  return figures;
}

/**
 * The table, one row per server: round trips per second, RTT p50/p99/max, answered, lost.
 * With two rows, a last line gives the first's rate over the second's.
 */
export function udpBenchTable(rows: readonly [string, UdpFigures][], ratioLabel: string): string[] {
  const header = ['server', 'round trips/s', 'p50 ms', 'p99 ms', 'max ms', 'answered', 'lost'];
  const cells = rows.map(([name, f]) => {
    const sorted = [...f.rtts].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? percentile(sorted, q) : Number.NaN);
    return [
      name,
      Math.round(f.answered / f.seconds).toLocaleString('en-US'),
      at(0.5).toFixed(3),
      at(0.99).toFixed(3),
      (sorted.at(-1) ?? Number.NaN).toFixed(3),
      String(f.answered),
      String(f.lost),
    ];
  });
  const out = markdownTable(header, cells);
  if (rows.length === 2) {
    const [a, b] = rows.map(([, f]) => f.answered / f.seconds) as [number, number];
    out.push('', `${ratioLabel}: ${(a / b).toFixed(2)}× the round trips per second`);
  }
  return out;
}

/**
 * Measures each server in turn under `load` (each started by its `start`, stopped after) and
 * prints the table. Returns the exit code: 1 if a server answered nothing.
 */
export async function runUdpBench(
  servers: readonly { name: string; start: () => CliProcess }[],
  load: UdpLoad,
  ratioLabel: string,
): Promise<number> {
  const rows: [string, UdpFigures][] = [];
  for (const server of servers)
    rows.push([server.name, await measureUdpServer(server.start(), load)]);
  console.log('');
  for (const line of udpBenchTable(rows, ratioLabel)) console.log(line);
  return rows.some(([, f]) => f.answered === 0) ? 1 : 0;
}
