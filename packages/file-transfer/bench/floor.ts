// `node --import tsx bench/floor.ts [--size 1G]` (in packages/file-transfer): how little
// memory a Node receiver can need at all. A TCP server that reads and drops every byte, no
// disk, no hash, no protocol, fed `--size` bytes by nc; it prints its own peak RSS (VmHWM).
// It reads two ways: with 'data' events (a fresh buffer from Node for every read), and into
// one buffer of its own (the accepted socket's handle handed to a socket with `onread`, as
// src/socket-read.ts does); each as plain `node` and as `node --import tsx`, the way our
// receiver runs. What is left between this and our receiver's peak is ours. BENCH.md
// explains the figures.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { FatalError, runCli, toBytes } from '@socket-lab/common';

const TSX = import.meta.resolve('tsx');

// The server, as a script for `node -e`: it says its port, then its peak once the sender ends.
// READ is 'data' or 'onread'.
const DROP_SERVER = `
const net = require('node:net');
const fs = require('node:fs');
const own = process.env.READ === 'onread';
const server = net.createServer({ pauseOnConnect: own }, (accepted) => {
  let socket = accepted;
  if (own) {
    const handle = accepted._handle;
    accepted._handle = null;
    const onread = { buffer: Buffer.allocUnsafe(256 * 1024), callback: () => true };
    socket = new net.Socket({ handle, onread });
  } else {
    socket.on('data', () => {});
  }
  socket.on('end', () => {
    const peak = /VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
    console.log('peak ' + peak);
    socket.destroy();
    accepted.destroy();
    server.close();
  });
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

const spec = {
  usage: 'node --import tsx bench/floor.ts',
  role: 'client',
  summary:
    "Peak memory of a Node TCP server that drops every byte: Node's buffers or its own, with and without tsx.",
  defaultPort: 0,
  flags: {
    size: {
      type: 'string',
      valueName: 'SIZE',
      default: '1G',
      description: 'bytes to send (K, M, G)',
    },
  },
  notes: ['Needs nc (apt-get install netcat-openbsd). --host and --port are not used.'],
} as const;

await runCli(spec, async ({ flags }) => {
  const size = toBytes(flags.size, '--size');
  for (const read of ['data', 'onread'] as const) {
    for (const [name, loader] of [
      ['node', []],
      ['node --import tsx', ['--import', TSX]],
    ] as const) {
      const peakMb = Math.round((await dropPeakKb(size, loader, read)) / 1024);
      console.log(`${name}, ${read}: peak RSS ${peakMb} MB`);
    }
  }
});

/**
 * Starts the drop server with `loader`, reading with `read`, sends it `size` zero bytes
 * through nc; its VmHWM.
 */
async function dropPeakKb(
  size: number,
  loader: readonly string[],
  read: 'data' | 'onread',
): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, READ: read };
  delete env.NODE_EXTRA_CA_CERTS; // as the bench starts our programs
  const server = spawn(process.execPath, [...loader, '-e', DROP_SERVER], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  const exited = once(server, 'close');
  const early = exited.then(() => {
    throw new FatalError(`the drop server exited early:\n${out}`);
  });
  while (!/port \d+/.test(out)) await Promise.race([once(server.stdout, 'data'), early]);
  early.catch(() => {}); // from here on, its exit is expected
  const port = /port (\d+)/.exec(out)?.[1] as string;
  const feed = `head -c ${size} /dev/zero | nc -N 127.0.0.1 ${port}`;
  const [code] = await once(spawn('sh', ['-c', feed], { stdio: 'inherit' }), 'close');
  if (code !== 0) throw new FatalError(`${feed} exited with ${code} (is nc installed?)`);
  await exited;
  const peak = /peak (\d+)/.exec(out)?.[1];
  if (!peak) throw new FatalError(`the drop server said no peak:\n${out}`);
  return Number(peak);
}
