// `pnpm --filter fault-proxy bench`: what the proxy costs with no faults, in one run. The
// servers (bench/peers.ts), the floor (bench/floor.ts: a bare pipe() proxy and a bare UDP
// relay) and fault-proxy itself (`start`, TCP and `--udp`) run as processes of their own;
// this process is the client. Each round measures the three paths back to back, in an order
// that turns from round to round, so the machine's neighbours weigh on all of them alike:
//   TCP: one connection pushing --size bytes one way, MB/s;
//   UDP: K senders doing round trips one at a time, round trips/s and their times;
// then fault-proxy's memory (RSS) idle and at its peak, and its CPU while it forwarded.
import { fileURLToPath } from 'node:url';
import { type BenchRow, compare, printJson, REPORT_FLAGS } from '@socket-lab/bench/report';
import { formatRatio, percentile } from '@socket-lab/bench/stats';
import { CLOCK_TICKS, readCpuTicks, readRss } from '@socket-lab/bench/system';
import { markdownTable } from '@socket-lab/bench/table';
import { runCli, toBytes, toInteger, toMilliseconds, UsageError } from '@socket-lab/common';
import { type CliProcess, spawnCli, waitForListening } from '@socket-lab/common/testing';
import { pushBytes, type RoundTrips, roundTrips } from './loads.js';

const spec = {
  usage: 'pnpm --filter fault-proxy bench',
  role: 'client',
  summary: 'TCP throughput and UDP round trips through fault-proxy (no faults) against direct.',
  defaultPort: 0,
  flags: {
    size: {
      type: 'string',
      valueName: 'BYTES',
      default: '256M',
      description: 'bytes pushed through one TCP connection, each round and path',
    },
    senders: {
      type: 'string',
      valueName: 'LIST',
      default: '1,8',
      description: 'UDP senders at once, a comma-separated list',
    },
    requests: {
      type: 'string',
      valueName: 'N',
      default: '5000',
      description: 'UDP round trips per sender, one at a time',
    },
    rounds: { type: 'string', valueName: 'N', default: '5', description: 'rounds of each' },
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: '0.5',
      description: 'a UDP answer later than this counts as lost',
    },
    ...REPORT_FLAGS,
  },
  notes: [
    '--host picks the loopback address everything binds (127.0.0.1 or ::1); --port is not used.',
  ],
} as const;

/** Each UDP run stops after 60 s, whatever is left: the bench must end on a loaded machine. */
const UDP_LIMIT_MS = 60_000;
/** How often fault-proxy's memory is sampled while it works. */
const RSS_SAMPLE_MS = 50;

/** One way to the servers: straight, through the floor, through fault-proxy. */
interface Path {
  name: string;
  tcpPort: number;
  udpPort: number;
  tcp: number[];
  udp: Map<number, RoundTrips[]>;
  /** fault-proxy's processes, to read their CPU and memory. */
  pids?: { tcp: number; udp: number };
  cpu: { tcp: number[]; udp: Map<number, number[]> };
}

await runCli(spec, async ({ host, flags }) => {
  // --quick: a small run with the same paths; --json: the tables go to stderr, and stdout
  // gets one JSON document, the last line `pnpm bench --quick` reads.
  const quick = flags.quick;
  const size = toBytes(quick ? '32M' : flags.size, '--size');
  if (size < 1) throw new UsageError('--size must be at least 1 byte');
  const senderCounts = (quick ? '1' : flags.senders)
    .split(',')
    .map((s) => toInteger(s, '--senders', 1, 256));
  const requests = toInteger(quick ? '500' : flags.requests, '--requests', 1, 1_000_000);
  const rounds = toInteger(quick ? '2' : flags.rounds, '--rounds', 1, 100);
  const stdout = console.log;
  if (flags.json) console.log = console.error;
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  const pkg = fileURLToPath(new URL('..', import.meta.url));

  const started: CliProcess[] = [];
  const run = (script: string, args: string[]) => {
    const proc = spawnCli(pkg, script, args, { keepStdinOpen: true });
    started.push(proc);
    return proc;
  };
  const ports = async (proc: CliProcess) => [
    Number((await proc.waitFor(/listening on .*:(\d+) \(tcp\)/))[1]),
    Number((await proc.waitFor(/listening on .*:(\d+) \(udp\)/))[1]),
  ];
  try {
    const [tcpPort, udpPort] = (await ports(run('bench/peers.ts', ['--host', host]))) as [
      number,
      number,
    ];
    // The three proxies start together: each costs a second or more of compiling.
    const to = (port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
    const common = ['--host', host, '--port', '0', '--seed', '1'];
    const [floor, tcpProxy, udpProxy] = await Promise.all([
      ports(
        run('bench/floor.ts', [
          '--host',
          host,
          '--tcp-port',
          `${tcpPort}`,
          '--udp-port',
          `${udpPort}`,
        ]),
      ) as Promise<[number, number]>,
      waitForListening(run('src/bin/start.ts', [...common, '--to', to(tcpPort)])),
      waitForListening(run('src/bin/start.ts', [...common, '--udp', '--to', to(udpPort)])),
    ]);
    const path = (name: string, tcp: number, udp: number): Path => ({
      name,
      tcpPort: tcp,
      udpPort: udp,
      tcp: [],
      udp: new Map(),
      cpu: { tcp: [], udp: new Map() },
    });
    const ours = path('fault-proxy', tcpProxy.port, udpProxy.port);
    ours.pids = { tcp: tcpProxy.proc.child.pid as number, udp: udpProxy.proc.child.pid as number };
    const paths = [path('direct', tcpPort, udpPort), path('floor (bare proxy)', ...floor), ours];

    const idleRss = { tcp: readRss(ours.pids.tcp), udp: readRss(ours.pids.udp) };
    const peakRss = { ...idleRss };
    const sampler = setInterval(() => {
      if (!ours.pids) return;
      peakRss.tcp = Math.max(peakRss.tcp, readRss(ours.pids.tcp));
      peakRss.udp = Math.max(peakRss.udp, readRss(ours.pids.udp));
    }, RSS_SAMPLE_MS);

    console.log(
      `fault-proxy bench on ${host}: TCP ${formatBytes(size)} one way; UDP ${senderCounts.join(' and ')} senders × ${requests} round trips of 64 B; ` +
        `${rounds} rounds, each path in turn (direct, the floor, fault-proxy; each round starts one later)`,
    );

    // A warm-up on every path first (the JIT, buffers, the first connection), then the rounds.
    const load = { requests, size: 64, timeoutMs, limitMs: UDP_LIMIT_MS };
    for (const p of paths) {
      await pushBytes(host, p.tcpPort, Math.min(size, 16 << 20));
      await roundTrips(host, p.udpPort, { ...load, senders: 1, requests: 500 });
    }
    for (let r = 0; r < rounds; r++) {
      for (const p of turns(paths, r)) {
        const cpu = p.pids && cpuMeter(p.pids.tcp);
        p.tcp.push(await pushBytes(host, p.tcpPort, size));
        if (cpu) p.cpu.tcp.push(cpu());
      }
    }
    for (const senders of senderCounts) {
      for (let r = 0; r < rounds; r++) {
        for (const p of turns(paths, r)) {
          const cpu = p.pids && cpuMeter(p.pids.udp);
          const got = await roundTrips(host, p.udpPort, { ...load, senders });
          p.udp.set(senders, [...(p.udp.get(senders) ?? []), got]);
          if (cpu) p.cpu.udp.set(senders, [...(p.cpu.udp.get(senders) ?? []), cpu()]);
        }
      }
    }
    clearInterval(sampler);

    printTcp(paths);
    printUdp(paths, senderCounts);
    console.log('');
    const memory = [
      ['TCP', formatBytes(idleRss.tcp), formatBytes(peakRss.tcp)],
      ['UDP', formatBytes(idleRss.udp), formatBytes(peakRss.udp)],
    ];
    for (const line of markdownTable(['fault-proxy process', 'RSS idle', 'RSS peak'], memory)) {
      console.log(line);
    }
    const lost = paths.flatMap((p) => [...p.udp.values()].flat()).reduce((n, f) => n + f.lost, 0);
    if (flags.json) {
      console.log = stdout;
      const median = (xs: number[]) =>
        percentile(
          [...xs].sort((a, b) => a - b),
          0.5,
        );
      const rows: BenchRow[] = paths.map((p) => ({
        name: p.name,
        figures: Object.fromEntries([
          ['TCP MB/s', median(p.tcp)],
          ...senderCounts.map((k) => [
            `UDP round trips/s, ${k} sender${k === 1 ? '' : 's'}`,
            median((p.udp.get(k) ?? []).map((f) => f.answered / f.seconds)),
          ]),
        ]),
      }));
      const udpFigure = (k: number) => `UDP round trips/s, ${k} sender${k === 1 ? '' : 's'}`;
      printJson({
        bench: 'fault-proxy',
        params: { size, senders: senderCounts, requests, rounds, quick },
        rows,
        comparisons: [
          compare(rows, { figure: 'TCP MB/s', row: 'fault-proxy', anchor: 'direct', goal: 0.6 }),
          ...senderCounts.map((k) =>
            compare(rows, {
              figure: udpFigure(k),
              row: 'fault-proxy',
              anchor: 'direct',
              goal: 0.5,
            }),
          ),
        ],
      });
    }
    return lost > 0 ? 1 : 0;
  } finally {
    for (const proc of started) proc.kill();
  }
});

/**
 * The paths in the order of round `r`: each round starts one path later, so no path always
 * runs first (after a pause) or last (after the others have warmed the caches, or not).
 */
function turns<T>(paths: readonly T[], r: number): T[] {
  const k = r % paths.length;
  return [...paths.slice(k), ...paths.slice(0, k)];
}

/** Starts measuring a process's CPU; the function returned gives % of one core since then. */
function cpuMeter(pid: number): () => number {
  const ticks = readCpuTicks(pid);
  const start = performance.now();
  return () =>
    ((readCpuTicks(pid) - ticks) / CLOCK_TICKS / ((performance.now() - start) / 1000)) * 100;
}

function printTcp(paths: Path[]): void {
  const best = (xs: number[]) => Math.max(...xs);
  console.log('');
  const rows = paths.map((p) => [
    p.name,
    fixed(best(p.tcp), 0),
    `${fixed(Math.min(...p.tcp), 0)}–${fixed(best(p.tcp), 0)}`,
    p.cpu.tcp.length ? `${fixed(Math.max(...p.cpu.tcp), 0)}%` : '-',
  ]);
  const header = ['TCP, one connection', 'MB/s (best)', '(range)', 'proxy CPU'];
  for (const line of markdownTable(header, rows)) console.log(line);
  const [direct, floor, ours] = paths.map((p) => p.tcp) as [number[], number[], number[]];
  console.log(`TCP fault-proxy / direct: ${ratios(ours, direct)}; / floor: ${ratios(ours, floor)}`);
}

/**
 * The ratio of two paths measured back to back, round by round: the median and the range.
 * The machine's load moves between rounds more than between two runs of one round, so a
 * ratio within a round is steadier than the ratio of each path's best.
 */
function ratios(a: readonly number[], b: readonly number[]): string {
  const each = a.map((x, i) => x / (b[i] ?? Number.NaN)).sort((x, y) => x - y);
  const median = percentile(each, 0.5);
  const range =
    each.length > 1 ? ` (${formatRatio(each[0] ?? 0, 1)}–${formatRatio(each.at(-1) ?? 0, 1)})` : '';
  return `${formatRatio(median, 1)}${range}`;
}

function printUdp(paths: Path[], senderCounts: number[]): void {
  console.log('');
  const rate = (f: RoundTrips) => f.answered / f.seconds;
  const bestOf = (fs: RoundTrips[]) => fs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const cells: string[][] = [];
  const lines: string[] = [];
  for (const senders of senderCounts) {
    const label = `${senders} ${senders === 1 ? 'sender' : 'senders'}`;
    for (const p of paths) {
      const runs = p.udp.get(senders) ?? [];
      const best = bestOf(runs);
      const rates = runs.map(rate);
      const cpu = p.cpu.udp.get(senders);
      cells.push([
        `${p.name}, ${label}`,
        fixed(rate(best), 0),
        `${fixed(Math.min(...rates), 0)}–${fixed(Math.max(...rates), 0)}`,
        fixed(percentile(best.rtts, 0.5), 3),
        fixed(percentile(best.rtts, 0.99), 3),
        String(runs.reduce((n, f) => n + f.lost, 0)),
        cpu ? `${fixed(Math.max(...cpu), 0)}%` : '-',
      ]);
    }
    const [direct, floor, ours] = paths.map((p) => (p.udp.get(senders) ?? []).map(rate)) as [
      number[],
      number[],
      number[],
    ];
    lines.push(
      `UDP fault-proxy / direct, ${label}: ${ratios(ours, direct)}; / floor: ${ratios(ours, floor)}`,
    );
  }
  const header = [
    'UDP, 64 B',
    'round trips/s (best)',
    '(range)',
    'p50 ms',
    'p99 ms',
    'lost',
    'proxy CPU',
  ];
  for (const line of markdownTable(header, cells)) console.log(line);
  for (const line of lines) console.log(line);
}

function fixed(n: number, digits: number): string {
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${+(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${+(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${+(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}
