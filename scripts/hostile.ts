// `pnpm hostile [server…]`: hostile peers against every TCP server, and what they cost it.
// Each server is started on 127.0.0.1, port 0, with short limits, then five kinds of peer
// connect at once and misbehave for a while:
//
//   slowloris     many connections that each send one byte a second and never finish
//   never-read    connections that send as fast as they can and never read a byte back
//   idle-flood    hundreds of connections that say nothing at all
//   memory-hold   connections that start one huge message and never finish it
//   partial-spam  (file-transfer) offers with distinct names, 4 KiB of file, then a reset
//
// Then the peers stop sending but keep their sockets open: a server that has not cut them
// off by itself still holds them. The server's open files and memory are read from /proc
// before, at the peak, and 10 s after; after must be back within 10 fds and 20 MB of before.
// Loopback only; every loop is bounded in count and time. Linux only (/proc).
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeFrame } from '../packages/common/src/frame.ts';
import { spawnCli, waitForListening } from '../packages/common/src/testing.ts';
import { encodeMessage, encodePreamble } from '../packages/file-transfer/src/protocol.ts';

const HOST = '127.0.0.1';
/** How long the peers misbehave, then how long the server has to let go of them. */
const PROBE_MS = 15_000;
const AFTER_MS = 10_000;
const FD_SLACK = 10;
const RSS_SLACK_MB = 20;

type Probe = 'slowloris' | 'never-read' | 'idle-flood' | 'memory-hold' | 'partial-spam';

interface Target {
  name: string;
  /** Arguments after `start`, with short limits so that a run stays short. */
  args: (out: string) => string[];
  probes: Probe[];
}

const COMMON_PROBES: Probe[] = ['slowloris', 'never-read', 'idle-flood', 'memory-hold'];
const TARGETS: Target[] = [
  { name: 'tcp-basic', args: () => ['--forever', '--timeout', '3'], probes: COMMON_PROBES },
  {
    name: 'tcp-echo',
    args: () => ['--max-clients', '50', '--idle-timeout', '3', '--grace', '1', '--quiet'],
    probes: COMMON_PROBES,
  },
  {
    name: 'sticky-packets',
    args: () => [
      ...['--framing', 'length', '--delay', '0', '--max-clients', '50'],
      ...['--idle-timeout', '3', '--max-buffered', '32M'],
    ],
    probes: COMMON_PROBES,
  },
  {
    name: 'file-transfer',
    args: (out) => [
      ...['--out', out, '--timeout', '3', '--max-clients', '16'],
      ...['--max-partials', '20'],
    ],
    probes: [...COMMON_PROBES, 'partial-spam'],
  },
  {
    name: 'socket-basics',
    args: () => ['--max-clients', '50', '--idle-timeout', '3'],
    probes: COMMON_PROBES,
  },
];

interface Sample {
  fds: number;
  rssMb: number;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

/** The server's open files and resident memory, from /proc. */
function sample(pid: number): Sample {
  try {
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { fds, rssMb: Math.round(Number(rss) / 1024) };
  } catch {
    return { fds: 0, rssMb: 0 };
  }
}

async function countPartials(dir: string): Promise<number> {
  return (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.partial')).length;
}

/** Every hostile socket, so that they can stop sending, be counted, and be closed. */
class Peers {
  opened = 0;
  sending = true;
  private sockets = new Set<net.Socket>();
  constructor(readonly port: number) {}

  /** A connected socket, or null if the server would not take it. */
  async connect(): Promise<net.Socket | null> {
    const socket = net.connect({ host: HOST, port: this.port });
    socket.on('error', () => {});
    socket.on('data', () => {}); // read and drop what the server says (never-read pauses)
    socket.on('close', () => this.sockets.delete(socket));
    this.sockets.add(socket);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('close', reject);
      });
      this.opened += 1;
      return socket;
    } catch {
      return null;
    }
  }

  stopSending(): void {
    this.sending = false;
  }

  /** Sockets the server has not closed (our side sees its FIN or RST as 'close'). */
  open(): number {
    return [...this.sockets].filter((s) => !s.destroyed && !s.readableEnded).length;
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

async function run(probe: Probe, peers: Peers): Promise<void> {
  switch (probe) {
    case 'slowloris':
      return many(100, peers, async (s) => {
        while (peers.sending && !s.destroyed) {
          s.write('a');
          await sleep(1000);
        }
      });
    case 'idle-flood':
      return many(300, peers, async () => {});
    case 'never-read':
      return many(10, peers, async (s) => {
        s.pause(); // never read what comes back
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        // At most 256 MiB each: bounded, and plenty to fill every buffer on the way.
        for (let sent = 0; peers.sending && !s.destroyed && sent < 256 * 1024 * 1024; ) {
          sent += chunk.length;
          if (!s.write(chunk)) await drained(s);
        }
      });
    case 'memory-hold':
      return many(8, peers, async (s) => {
        // A frame header promising 15 MiB, then 14 MiB of it with no newline: a message that
        // never ends, to a server that keeps unfinished messages.
        const header = encodeFrame(Buffer.alloc(0)).subarray(0, 4);
        header.writeUInt32BE(15 * 1024 * 1024, 0);
        s.write(header);
        const chunk = Buffer.alloc(1024 * 1024, 0x62);
        for (let i = 0; i < 14 && peers.sending && !s.destroyed; i++) {
          if (!s.write(chunk)) await drained(s);
        }
      });
    case 'partial-spam':
      for (let i = 0; i < 300 && peers.sending; i++) {
        const s = await peers.connect();
        if (!s) continue;
        s.write(encodePreamble());
        s.write(
          encodeMessage({ type: 'offer', hash: 'none', size: 1024 * 1024, name: `spam-${i}.bin` }),
        );
        s.write(encodeMessage({ type: 'start', offset: 0 }));
        s.write(Buffer.alloc(4096, 0x63));
        await sleep(20);
        s.resetAndDestroy();
      }
      return;
  }
}

/** Resolves on 'drain', on 'close', or after a second, and leaves no listener behind. */
function drained(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, 1000);
    s.on('drain', done);
    s.on('close', done);
  });
}

/** `count` peers at once, each running `behave` on its socket. */
async function many(
  count: number,
  peers: Peers,
  behave: (s: net.Socket) => Promise<void>,
): Promise<void> {
  await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const s = await peers.connect();
      if (s) await behave(s);
    }),
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const only = args.filter((a) => !a.startsWith('-'));
  const root = path.resolve(import.meta.dirname, '..');
  const rows: string[][] = [];
  let failed = 0;

  for (const target of TARGETS.filter((t) => only.length === 0 || only.includes(t.name))) {
    const out = await mkdtemp(path.join(os.tmpdir(), 'hostile-'));
    const dir = path.join(root, 'packages', target.name);
    const proc = spawnCli(dir, 'src/bin/start.ts', [...target.args(out), '--port', '0'], {
      keepStdinOpen: true,
    });
    let port: number;
    try {
      ({ port } = await waitForListening(proc));
    } catch (err) {
      console.log(`${target.name}: did not start: ${(err as Error).message.split('\n')[0]}`);
      rows.push([target.name, 'did not start', '', '', '', '', '', '']);
      failed += 1;
      await rm(out, { recursive: true, force: true });
      continue;
    }
    const pid = proc.child.pid as number;
    const before = sample(pid);
    let peak = before;
    const sampler = setInterval(() => {
      const now = sample(pid);
      peak = { fds: Math.max(peak.fds, now.fds), rssMb: Math.max(peak.rssMb, now.rssMb) };
    }, 200);

    console.log(
      `${target.name}: probing port ${port} for ${PROBE_MS / 1000} s (${target.probes.join(', ')})`,
    );
    const peers = new Peers(port);
    const probing = target.probes.map((probe) => run(probe, peers));
    await sleep(PROBE_MS);
    peers.stopSending();
    await Promise.allSettled(probing);
    const partialsAtPeak = target.probes.includes('partial-spam') ? await countPartials(out) : null;
    await sleep(AFTER_MS);
    clearInterval(sampler);
    const after = sample(pid);
    const held = peers.open();
    peers.destroyAll();
    await proc.stop('SIGTERM');
    const partialsAfter = partialsAtPeak === null ? null : await countPartials(out);
    await rm(out, { recursive: true, force: true });

    const ok = after.fds <= before.fds + FD_SLACK && after.rssMb <= before.rssMb + RSS_SLACK_MB;
    if (!ok) failed += 1;
    rows.push([
      target.name,
      `${before.fds} / ${peak.fds} / ${after.fds}`,
      `${before.rssMb} / ${peak.rssMb} / ${after.rssMb}`,
      String(peers.opened),
      String(held),
      partialsAfter === null ? '-' : `${partialsAtPeak} / ${partialsAfter}`,
      ok ? 'yes' : 'NO',
    ]);
  }

  const header = [
    'server',
    'fds before / peak / after',
    'RSS MB before / peak / after',
    'peers',
    'still open after',
    'partials',
    'let go',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(
    `\nhostile: ${rows.length - failed} of ${rows.length} servers let go (within ${FD_SLACK} fds and ${RSS_SLACK_MB} MB of before, ${AFTER_MS / 1000} s after)`,
  );
  process.exitCode = failed ? 1 : 0;
}
