// `node --import tsx bench/hold.ts [--clients N] [--mib M] [--receiver 'FLAGS']`: what peers
// that start a message and never finish it cost the receiver. It starts the real receiver
// (`src/bin/start.ts --framing length --delay 0 --buffer 64K`, then FLAGS) on
// port 0; then N clients each send a header promising M MiB and all of it but the last byte,
// and stop, keeping their sockets open. Once every client's bytes were read, or the client
// was told to go, it prints the receiver's resident memory (VmRSS from /proc) before and
// then, and its peak (VmHWM). BENCH.md has the figures and the commands. Linux only.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { encodeFrame, runCli, toInteger } from '@socket-lab/common';
import { spawnCli, waitForListening } from '@socket-lab/common/testing';

const PKG = new URL('..', import.meta.url);
const CHUNK_BYTES = 1024 * 1024;

const spec = {
  usage: 'node --import tsx bench/hold.ts',
  role: 'client',
  summary: 'Peers that never finish a message, and the receiver memory they cost.',
  defaultPort: 0,
  network: false,
  flags: {
    clients: { type: 'string', valueName: 'N', default: '12', description: 'peers at once' },
    mib: { type: 'string', valueName: 'M', default: '16', description: 'MiB each one promises' },
    receiver: { type: 'string', valueName: 'FLAGS', default: '', description: "receiver's flags" },
  },
} as const;

await runCli(spec, async ({ flags }) => {
  const extra = flags.receiver.split(' ').filter(Boolean);
  const clients = toInteger(flags.clients, '--clients', 1, 1000);
  const promised = toInteger(flags.mib, '--mib', 1, 4095) * 1024 * 1024;
  const args = ['--framing', 'length', '--delay', '0', '--buffer', '64K', '--port', '0'];
  const proc = spawnCli(PKG, 'src/bin/start.ts', [...args, ...extra], {
    keepStdinOpen: true,
  });
  const { port } = await waitForListening(proc);
  const pid = proc.child.pid as number;
  const before = memory(pid);
  const sockets: net.Socket[] = [];
  try {
    const outcomes = [];
    for (let conn = 1; conn <= clients; conn++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('data', () => {}); // what the receiver says, if anything
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
      outcomes.push(hold(socket, conn, promised, proc));
    }
    const told = (await Promise.all(outcomes)).filter((o) => o === 'told').length;
    const after = memory(pid);
    console.log(
      `${clients} clients x ${flags.mib} MiB, receiver ${flags.receiver || '(defaults)'}`,
    );
    console.log(`  RSS before ${before.rss} MB, after ${after.rss} MB, peak ${after.peak} MB`);
    console.log(`  ${clients - told} clients held, ${told} told to go`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await proc.stop('SIGTERM');
  }
});

/**
 * Sends the header and all but the last byte of the message, then waits until the receiver
 * has read every byte of it ('held') or has closed this connection ('told').
 */
async function hold(
  socket: net.Socket,
  conn: number,
  promised: number,
  proc: ReturnType<typeof spawnCli>,
): Promise<'held' | 'told'> {
  const closed = new Promise<'told'>((resolve) => socket.once('close', () => resolve('told')));
  const header = encodeFrame(Buffer.alloc(0)).subarray(0, 4);
  header.writeUInt32BE(promised, 0);
  socket.write(header);
  const chunk = Buffer.alloc(CHUNK_BYTES, 0x62);
  for (let left = promised - 1; left > 0 && !socket.destroyed; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!socket.write(piece)) {
      const go = await Promise.race([
        new Promise((resolve) => socket.once('drain', () => resolve('drain'))),
        closed,
      ]);
      if (go === 'told') return go;
    }
  }
  const all = new RegExp(`\\[${conn}\\] read \\d+: .*\\(holding ${promised + 3} bytes `);
  return Promise.race([proc.waitFor(all, 'stdout', 120_000).then(() => 'held' as const), closed]);
}

/** Resident and peak memory of a process, in MB, from /proc. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) =>
    Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024);
  return { rss: mb('VmRSS'), peak: mb('VmHWM') };
}
