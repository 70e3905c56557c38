// `pnpm --filter fault-proxy bench`: what the proxy costs with no faults, in one run. The
// servers (bench/peers.ts) and two proxies (`start`, TCP and `--udp`) run as processes of
// their own; this process is the client. Each round measures the direct path and the path
// through the proxy back to back, so the machine's neighbours weigh on both alike:
//   TCP: one connection pushing --size bytes one way, MB/s;
//   UDP: K senders doing round trips one at a time, round trips/s and their times;
// and the proxy's memory (RSS) idle and at its peak, and its CPU while it forwarded.
import { fileURLToPath } from 'node:url';
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
    rounds: { type: 'string', valueName: 'N', default: '3', description: 'rounds of each' },
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: '0.5',
      description: 'a UDP answer later than this counts as lost',
    },
  },
  notes: [
    '--host picks the loopback address everything binds (127.0.0.1 or ::1); --port is not used.',
  ],
} as const;

/** Each UDP run stops after 60 s, whatever is left: the bench must end on a loaded machine. */
const UDP_LIMIT_MS = 60_000;
/** How often the proxies' memory is sampled while they work. */
const RSS_SAMPLE_MS = 50;

await runCli(spec, async ({ host, flags }) => {
  const size = toBytes(flags.size, '--size');
  if (size < 1) throw new UsageError('--size must be at least 1 byte');
  const senderCounts = flags.senders.split(',').map((s) => toInteger(s, '--senders', 1, 256));
  const requests = toInteger(flags.requests, '--requests', 1, 1_000_000);
  const rounds = toInteger(flags.rounds, '--rounds', 1, 100);
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  const pkg = fileURLToPath(new URL('..', import.meta.url));

  const started: CliProcess[] = [];
  const run = (script: string, args: string[]) => {
    const proc = spawnCli(pkg, script, args, { keepStdinOpen: true });
    started.push(proc);
    return proc;
  };
  try {
    const peers = run('bench/peers.ts', [host]);
    const tcpPort = Number((await peers.waitFor(/listening on .*:(\d+) \(tcp\)/))[1]);
    const udpPort = Number((await peers.waitFor(/listening on .*:(\d+) \(udp\)/))[1]);
    const to = (port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
    const tcpProxy = await waitForListening(
      run('src/bin/start.ts', ['--host', host, '--port', '0', '--to', to(tcpPort), '--seed', '1']),
    );
    const udpProxy = await waitForListening(
      run('src/bin/start.ts', [
        '--host',
        host,
        '--port',
        '0',
        '--udp',
        '--to',
        to(udpPort),
        '--seed',
        '1',
      ]),
    );
    const tcpPid = tcpProxy.proc.child.pid as number;
    const udpPid = udpProxy.proc.child.pid as number;
    const idleRss = { tcp: readRss(tcpPid), udp: readRss(udpPid) };
    const peakRss = { ...idleRss };
    const sampler = setInterval(() => {
      peakRss.tcp = Math.max(peakRss.tcp, readRss(tcpPid));
      peakRss.udp = Math.max(peakRss.udp, readRss(udpPid));
    }, RSS_SAMPLE_MS);

    console.log(
      `fault-proxy bench on ${host}: TCP ${formatBytes(size)} one way, UDP ${senderCounts.join(' and ')} senders × ${requests} round trips of 64 B; ${rounds} rounds, direct then through the proxy`,
    );

    // TCP: a warm-up push each way first (JIT, buffers), then the rounds.
    const warm = Math.min(size, 16 << 20);
    await pushBytes(host, tcpPort, warm);
    await pushBytes(host, tcpProxy.port, warm);
    const tcp = { direct: [] as number[], proxy: [] as number[], proxyCpu: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      tcp.direct.push(await pushBytes(host, tcpPort, size));
      const cpu = cpuMeter(tcpPid);
      tcp.proxy.push(await pushBytes(host, tcpProxy.port, size));
      tcp.proxyCpu.push(cpu());
    }

    // UDP: the same, per number of senders.
    const udpRows: { senders: number; direct: RoundTrips[]; proxy: RoundTrips[]; cpu: number[] }[] =
      [];
    const load = { requests, size: 64, timeoutMs, limitMs: UDP_LIMIT_MS };
    await roundTrips(host, udpPort, { ...load, senders: 1, requests: 500 });
    await roundTrips(host, udpProxy.port, { ...load, senders: 1, requests: 500 });
    for (const senders of senderCounts) {
      const row = {
        senders,
        direct: [] as RoundTrips[],
        proxy: [] as RoundTrips[],
        cpu: [] as number[],
      };
      for (let r = 0; r < rounds; r++) {
        row.direct.push(await roundTrips(host, udpPort, { ...load, senders }));
        const cpu = cpuMeter(udpPid);
        row.proxy.push(await roundTrips(host, udpProxy.port, { ...load, senders }));
        row.cpu.push(cpu());
      }
      udpRows.push(row);
    }
    clearInterval(sampler);

    printTcp(tcp);
    printUdp(udpRows);
    console.log('');
    for (const line of markdownTable(
      ['proxy process', 'RSS idle', 'RSS peak'],
      [
        ['TCP', formatBytes(idleRss.tcp), formatBytes(peakRss.tcp)],
        ['UDP', formatBytes(idleRss.udp), formatBytes(peakRss.udp)],
      ],
    )) {
      console.log(line);
    }
    const lost = udpRows.reduce(
      (n, r) => n + [...r.direct, ...r.proxy].reduce((m, f) => m + f.lost, 0),
      0,
    );
    return lost > 0 ? 1 : 0;
  } finally {
    for (const proc of started) proc.kill();
  }
});

/** Starts measuring a process's CPU; the function returned gives % of one core since then. */
function cpuMeter(pid: number): () => number {
  const ticks = readCpuTicks(pid);
  const start = performance.now();
  return () =>
    ((readCpuTicks(pid) - ticks) / CLOCK_TICKS / ((performance.now() - start) / 1000)) * 100;
}

function printTcp(tcp: { direct: number[]; proxy: number[]; proxyCpu: number[] }): void {
  const best = (xs: number[]) => Math.max(...xs);
  const range = (xs: number[]) => `${fixed(Math.min(...xs), 0)}–${fixed(best(xs), 0)}`;
  console.log('');
  const rows = [
    ['direct', fixed(best(tcp.direct), 0), range(tcp.direct), '-'],
    [
      'through fault-proxy',
      fixed(best(tcp.proxy), 0),
      range(tcp.proxy),
      `${fixed(Math.max(...tcp.proxyCpu), 0)}%`,
    ],
  ];
  for (const line of markdownTable(
    ['TCP, one connection', 'MB/s (best)', '(range)', 'proxy CPU'],
    rows,
  )) {
    console.log(line);
  }
  console.log(
    `TCP through / direct: ${formatRatio(best(tcp.proxy), best(tcp.direct))} (best rounds)`,
  );
}

function printUdp(
  rows: { senders: number; direct: RoundTrips[]; proxy: RoundTrips[]; cpu: number[] }[],
): void {
  console.log('');
  const rate = (f: RoundTrips) => f.answered / f.seconds;
  const bestOf = (fs: RoundTrips[]) => fs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const cells: string[][] = [];
  const ratios: string[] = [];
  for (const row of rows) {
    for (const [path, runs] of [
      ['direct', row.direct],
      ['through fault-proxy', row.proxy],
    ] as const) {
      const best = bestOf(runs);
      const rates = runs.map(rate);
      cells.push([
        `${path}, ${row.senders} ${row.senders === 1 ? 'sender' : 'senders'}`,
        fixed(rate(best), 0),
        `${fixed(Math.min(...rates), 0)}–${fixed(Math.max(...rates), 0)}`,
        fixed(percentile(best.rtts, 0.5), 3),
        fixed(percentile(best.rtts, 0.99), 3),
        String(runs.reduce((n, f) => n + f.lost, 0)),
        path === 'direct' ? '-' : `${fixed(Math.max(...row.cpu), 0)}%`,
      ]);
    }
    ratios.push(
      `UDP through / direct, ${row.senders} ${row.senders === 1 ? 'sender' : 'senders'}: ${formatRatio(rate(bestOf(row.proxy)), rate(bestOf(row.direct)))}`,
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
  for (const line of ratios) console.log(line);
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
