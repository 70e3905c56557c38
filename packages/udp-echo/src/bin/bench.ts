// `pnpm --filter udp-echo bench [--senders K] [--requests N] [--size BYTES]`: round trips per
// second through our echo server and through a Python 3 port of seed 002's server, run one
// after the other in this same invocation with the same client, so the two figures compare.
// Each of K senders has its own socket and sends N datagrams, one at a time, each waiting
// for its echo (no retries: an echo that does not come within --timeout counts as lost).
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runCli, toBytes, toInteger, toMilliseconds } from '@socket-lab/common';
// The test helpers already start a program, wait for its `listening on` line, and stop it.
import { hasPython3, spawnCli, spawnProgram, waitForListening } from '@socket-lab/common/testing';
import { UdpRequester } from '@socket-lab/common/udp-request';
import { isEchoOf } from '../client.js';

const spec = {
  usage: 'pnpm --filter udp-echo bench',
  role: 'client',
  summary: 'Round trips per second through our UDP echo server and seed 002’s Python server.',
  defaultPort: 0,
  flags: {
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
      description: 'datagrams per sender',
    },
    size: {
      type: 'string',
      valueName: 'BYTES',
      default: '64',
      description: 'bytes per datagram (seed 002 keeps 1024)',
    },
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: '0.5',
      description: 'an echo later than this counts as lost',
    },
    limit: {
      type: 'string',
      valueName: 'SECONDS',
      default: '60',
      description: 'stop each server’s run after this long',
    },
  },
  notes: [
    '--host picks the loopback address the servers bind (127.0.0.1 or ::1); --port is not used.',
  ],
} as const;

interface Figures {
  done: number;
  lost: number;
  seconds: number;
  rtts: number[];
}

await runCli(spec, async ({ host, flags }) => {
  const senders = toInteger(flags.senders, '--senders', 1, 256);
  const requests = toInteger(flags.requests, '--requests', 1, 1_000_000);
  const size = toBytes(flags.size, '--size');
  if (size < 1 || size > 65_507) throw new Error('--size must be from 1 to 65507 bytes');
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  const limitMs = toMilliseconds(flags.limit, '--limit');
  const pkg = fileURLToPath(new URL('../..', import.meta.url));

  console.log(
    `udp-echo bench: ${senders} ${senders === 1 ? 'sender' : 'senders'} × ${requests} datagrams of ${size} bytes on ${host}, ` +
      `one at a time per sender, timeout ${timeoutMs / 1000} s`,
  );
  const rows: [string, Figures][] = [];
  const ours = spawnCli(pkg, 'src/bin/start.ts', ['--host', host, '--port', '0', '--quiet'], {
    keepStdinOpen: true,
  });
  rows.push([`udp-echo (Node ${process.versions.node})`, await measure(ours)]);
  if (hasPython3()) {
    const seed = spawnProgram(
      'python3',
      ['test/fixtures/seed002_udp_server.py', host, '0', 'quiet'],
      pkg,
      {
        keepStdinOpen: true,
      },
    );
    rows.push(['seed 002 server (Python 3)', await measure(seed)]);
  } else {
    console.log('python3 not found: only our server was measured');
  }
  printTable(rows);
  return rows.some(([, f]) => f.done === 0) ? 1 : 0;

  async function measure(proc: ReturnType<typeof spawnCli>): Promise<Figures> {
    try {
      const { port } = await waitForListening(proc);
      // A short warm-up, not counted: the first datagrams pay for JIT compilation and caches.
      await run(port, Math.min(requests, 200), null);
      const figures: Figures = { done: 0, lost: 0, seconds: 0, rtts: [] };
      const start = performance.now();
      await run(port, requests, figures);
      figures.seconds = (performance.now() - start) / 1000;
      return figures;
    } finally {
      await proc.stop('SIGTERM');
    }
  }

  async function run(port: number, count: number, figures: Figures | null): Promise<void> {
    const deadline = performance.now() + limitMs;
    await Promise.all(
      Array.from({ length: senders }, async (_, s) => {
        const requester = await UdpRequester.open(host, port);
        try {
          for (let i = 0; i < count && performance.now() < deadline; i++) {
            const payload = Buffer.alloc(size, `sender ${s} datagram ${i} `);
            const outcome = await requester.request(payload, {
              timeoutMs,
              retries: 0,
              isAnswer: isEchoOf,
            });
            if (!figures) continue;
            if (outcome.ok) {
              figures.done += 1;
              if (outcome.rttMs !== null) figures.rtts.push(outcome.rttMs);
            } else {
              figures.lost += 1;
            }
          }
        } finally {
          await requester.close();
        }
      }),
    );
  }
});

function printTable(rows: [string, Figures][]): void {
  const header = ['server', 'round trips/s', 'p50 ms', 'p99 ms', 'max ms', 'answered', 'lost'];
  const lines = rows.map(([name, f]) => {
    const sorted = [...f.rtts].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length
        ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number)
        : Number.NaN;
    return [
      name,
      Math.round(f.done / f.seconds).toLocaleString('en-US'),
      at(0.5).toFixed(3),
      at(0.99).toFixed(3),
      (sorted.at(-1) ?? Number.NaN).toFixed(3),
      String(f.done),
      String(f.lost),
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l[i] as string).length)),
  );
  const fmt = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  console.log('');
  console.log(fmt(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const l of lines) console.log(fmt(l));
  if (rows.length === 2) {
    const [a, b] = rows.map(([, f]) => f.done / f.seconds) as [number, number];
    console.log(`\nours / seed 002: ${(a / b).toFixed(2)}× the round trips per second`);
  }
}
