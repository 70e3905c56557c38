// The benchmark's tables, as Markdown so they can be pasted into BENCH.md: throughput and
// round-trip times side by side with ratios, then memory; and the same runs as the `--json`
// document `pnpm bench --quick` reads. Pure functions of the measurements.
import {
  type BenchDocument,
  type BenchRow,
  type Comparison,
  compare,
} from '@socket-lab/bench/report';
import type { LoadResult } from '@socket-lab/bench/tcp-load';

/** One server under one load, with what the bench saw of both processes. */
export interface Run {
  server: string;
  clients: number;
  size: number;
  messagesPerClient: number;
  result: LoadResult;
  /** CPU of the server process (all its threads), % of one core; null if not ours to see. */
  serverCpuPct: number | null;
  /** CPU of the load generator, % of one core; null for a run too short to tell. */
  loadCpuPct: number | null;
  /** CPU of the whole machine, % of one core summed over all cores (200% = 2 cores full). */
  machineCpuPct: number | null;
  /** How many cores the machine has. */
  cores: number;
  /** Server RSS in bytes: before the clients connected, with all connected and idle, at the end. */
  rss: { before: number; idle: number; after: number } | null;
}

/** The server every ratio is taken against: the minimal Node echo, the floor of overhead. */
export const FLOOR = 'pipe echo';
/** Ours against the floor, msgs/s: the share of a bare pipe's speed we keep while doing more. */
export const FLOOR_GOAL = 0.85;

/**
 * The load generator's reasons for a client that ran out of time rather than got a wrong
 * answer: still waiting for its greeting (30 s per client) or for an echo when the run's
 * --time-limit came.
 */
const OUT_OF_TIME = /^(not greeted within|not connected within|no echo within the time limit)/;

/**
 * Clients a run stopped by its time limit left waiting (for a greeting or an echo): a slow
 * server, not a wrong one, so they are not errors. Counted from the load generator's error
 * samples, which name the first five reasons; clients under a sixth stay errors.
 */
export function unfinished(r: LoadResult): number {
  if (!r.stoppedByTimeLimit) return 0;
  let n = 0;
  for (const sample of r.errorSamples) {
    const m = /^(.*) \((\d+)x\)$/.exec(sample);
    if (m && OUT_OF_TIME.test(m[1] as string)) n += Number(m[2]);
  }
  return n;
}

/** Wrong or lost echoes, resets, refusals: the errors that are not unfinished clients. */
export function realErrors(r: LoadResult): number {
  return r.errors - unfinished(r);
}

/** The error samples that are real errors (see unfinished()). */
export function realErrorSamples(r: LoadResult): string[] {
  return r.stoppedByTimeLimit
    ? r.errorSamples.filter((sample) => !OUT_OF_TIME.test(sample))
    : r.errorSamples;
}
/** Above this share of one core, a process is the one holding the run back. */
const BUSY_PCT = 85;

/**
 * The main table: one row per run, grouped by load, with msgs/s as a ratio of the floor's
 * (and, with several rounds, the lowest and highest msgs/s of the rounds).
 */
export function formatThroughputTable(runs: (Run & { spread?: [number, number] | null })[]) {
  const rounds = runs.some((run) => run.spread);
  const rows = [
    [
      'clients',
      'size',
      'server',
      'msgs/s',
      ...(rounds ? ['(range)'] : []),
      'MB/s',
      'RTT p50',
      'p99',
      'max',
      'errors',
      'unfinished',
      'server CPU',
      'load CPU',
      'others CPU',
      'bound by',
      `vs ${FLOOR}`,
    ],
  ];
  for (const run of runs) {
    const r = run.result;
    const floor = runs.find(
      (x) => x.server === FLOOR && x.clients === run.clients && x.size === run.size,
    );
    rows.push([
      formatCount(run.clients),
      formatSize(run.size),
      run.server,
      `${formatCount(Math.round(rate(r)))}${r.stoppedByTimeLimit ? ' *' : ''}`,
      ...(rounds
        ? [run.spread ? run.spread.map((x) => formatCount(Math.round(x))).join('–') : '']
        : []),
      (r.bytes / (r.elapsedMs / 1000) / 1e6).toFixed(2),
      formatMs(r.rttMs.p50),
      formatMs(r.rttMs.p99),
      formatMs(r.rttMs.max),
      String(realErrors(r)),
      String(unfinished(r)),
      run.serverCpuPct === null ? '-' : `${Math.round(run.serverCpuPct)}%`,
      run.loadCpuPct === null ? '-' : `${Math.round(run.loadCpuPct)}%`,
      othersCpuPct(run) === null ? '-' : `${Math.round(othersCpuPct(run) as number)}%`,
      boundBy(run),
      floor && rate(floor.result) > 0 ? `${(rate(r) / rate(floor.result)).toFixed(2)}x` : '-',
    ]);
  }
  return markdownTable(rows);
}

/**
 * Below this many clients, memory per connection is lost in the noise of the heap: a Node
 * server starts with megabytes of garbage (compiling its TypeScript) that a GC may free at any time.
 */
export const MEMORY_MIN_CLIENTS = 5000;

/**
 * Server memory for runs of MEMORY_MIN_CLIENTS clients or more: RSS before they connected,
 * with all of them connected and idle, and the difference per connection. Each server's first
 * run with that many clients is the one shown: later runs start from a heap that earlier ones
 * grew, and garbage collection moves RSS by more than a few KiB per client. '' if no such run.
 */
export function formatMemoryTable(runs: Run[]): string {
  const rows = [['server', 'clients', 'RSS before', 'RSS, all idle', 'per idle connection']];
  const seen = new Set<string>();
  for (const run of runs) {
    const key = `${run.server}/${run.clients}`;
    if (!run.rss || run.result.connected < MEMORY_MIN_CLIENTS || seen.has(key)) continue;
    seen.add(key);
    const perConnection = (run.rss.idle - run.rss.before) / Math.max(1, run.result.connected);
    rows.push([
      run.server,
      formatCount(run.result.connected),
      formatMiB(run.rss.before),
      formatMiB(run.rss.idle),
      `${(perConnection / 1024).toFixed(1)} KiB`,
    ]);
  }
  return rows.length > 1 ? markdownTable(rows) : '';
}

/** One line per load: how our server compares with each other server in the same run. */
export function formatRatios(runs: Run[], ours: string): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    if (run.server !== ours) continue;
    const others = runs.filter(
      (x) => x.server !== ours && x.clients === run.clients && x.size === run.size,
    );
    if (others.length === 0) continue;
    const parts = others.map((x) =>
      rate(x.result) > 0
        ? `${(rate(run.result) / rate(x.result)).toFixed(2)}x ${x.server}`
        : `${x.server}: no messages`,
    );
    lines.push(
      `${formatCount(run.clients)} clients × ${formatSize(run.size)}: ${ours} = ${parts.join(', ')}`,
    );
  }
  return lines;
}

/** The rows of `--json`: one per (server, load), named `tcp-echo, 100 clients × 64 B`. */
export function benchRows(runs: readonly Run[]): BenchRow[] {
  return runs.map((run) => ({
    name: rowName(run.server, run),
    figures: {
      'msgs/s': rate(run.result),
      'MB/s': run.result.bytes / (run.result.elapsedMs / 1000) / 1e6,
      'RTT p50 ms': run.result.rttMs.p50,
      'RTT p99 ms': run.result.rttMs.p99,
      errors: realErrors(run.result),
      'unfinished clients': unfinished(run.result),
      'stopped at the time limit': run.result.stoppedByTimeLimit ? 1 : 0,
      'server CPU %': run.serverCpuPct,
    },
  }));
}

/**
 * The `--json` document: every run as a row, and for each load ours against the pipe echo
 * (msgs/s, goal FLOOR_GOAL) and against the seed's server (no goal: for reading).
 */
export function benchDocument(
  runs: readonly Run[],
  params: Record<string, unknown>,
  ours: string,
): Omit<BenchDocument, 'machine'> {
  const rows = benchRows(runs);
  const comparisons: Comparison[] = [];
  for (const run of runs) {
    if (run.server !== ours) continue;
    for (const other of runs) {
      const sameLoad = other.clients === run.clients && other.size === run.size;
      if (!sameLoad || other.server === ours) continue;
      const goal = other.server === FLOOR ? FLOOR_GOAL : undefined;
      comparisons.push(
        compare(rows, {
          figure: 'msgs/s',
          row: rowName(ours, run),
          anchor: rowName(other.server, run),
          ...(goal === undefined ? {} : { goal }),
        }),
      );
    }
  }
  return { bench: 'tcp-echo', params, rows, comparisons };
}

function rowName(server: string, load: Pick<Run, 'clients' | 'size'>): string {
  return `${server}, ${formatCount(load.clients)} clients × ${formatSize(load.size)}`;
}

/** Messages per second. */
export function rate(r: LoadResult): number {
  return r.elapsedMs > 0 ? r.messages / (r.elapsedMs / 1000) : 0;
}

/** CPU used by everything else on the machine during the run (other people's work here). */
export function othersCpuPct(run: Pick<Run, 'serverCpuPct' | 'loadCpuPct' | 'machineCpuPct'>) {
  if (run.machineCpuPct === null || run.serverCpuPct === null || run.loadCpuPct === null) {
    return null;
  }
  return Math.max(0, run.machineCpuPct - run.serverCpuPct - run.loadCpuPct);
}

/**
 * What held the run back: a process near a full core (the server is one thread, and so,
 * mostly, is the load generator); all the cores busy, ours and other people's work together;
 * or neither, when both processes wait on something else (a wake-up, a timer such as TCP's
 * delayed ACK).
 */
export function boundBy(
  run: Pick<Run, 'serverCpuPct' | 'loadCpuPct' | 'machineCpuPct' | 'cores'>,
): string {
  const server = run.serverCpuPct ?? 0;
  if (run.loadCpuPct === null) return '?';
  if (server >= BUSY_PCT && run.loadCpuPct >= BUSY_PCT) return 'both';
  if (server >= BUSY_PCT) return 'server';
  if (run.loadCpuPct >= BUSY_PCT) return 'load generator';
  if (run.machineCpuPct !== null && run.machineCpuPct >= run.cores * BUSY_PCT) return 'cores full';
  if (run.serverCpuPct === null) return '?';
  return 'neither (waiting)';
}

/**
 * With several rounds of the same load and server, the one to show: the fastest, with the
 * lowest and highest rates seen. On a machine shared with other work, what others run only
 * ever slows a round down, so the best round is the closest to what the two programs can do;
 * the range keeps the noise in plain view.
 */
export function bestRuns(runs: Run[]): (Run & { spread: [number, number] | null })[] {
  const groups = new Map<string, Run[]>();
  for (const run of runs) {
    const key = `${run.clients}/${run.size}/${run.server}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => rate(a.result) - rate(b.result));
    const best = sorted.at(-1) as Run;
    const low = rate((sorted[0] as Run).result);
    return { ...best, spread: group.length > 1 ? [low, rate(best.result)] : null };
  });
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Milliseconds with three significant digits: 0.0412, 1.23, 44.0, 1230. */
function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${Number(ms.toPrecision(3))} ms`;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function markdownTable(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    `| ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  return [
    line(head ?? []),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}
