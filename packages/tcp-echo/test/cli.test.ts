import net from 'node:net';
import {
  type CliProcess,
  hasPython3,
  runOnPortInUse,
  runToEnd,
  spawnCli,
  spawnProgram,
  startServer,
  waitForListening,
} from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { closed, HOST, rawConnect, startEcho } from './helpers.js';

const PKG = new URL('..', import.meta.url);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function track(proc: CliProcess): CliProcess {
  cleanups.push(() => proc.kill());
  return proc;
}

test('start and client: piped lines come back, exit ends the session', async () => {
  const server = await startServer(PKG, 'src/bin/start.ts');
  track(server.proc);
  const client = await runToEnd(PKG, 'src/bin/client.ts', ['--port', String(server.port)], {
    input: 'hello\n你好\nexit\nnot sent\n',
  });
  expect(client.stderr).toBe('');
  expect(client.stdout).toBe(
    `connected to 127.0.0.1:${server.port}\ngreeting: Hello World!\necho: hello\necho: 你好\nbye\n`,
  );
  expect(client.code).toBe(0);
  await server.proc.waitFor(/client #1 disconnected: said exit, 11 bytes echoed \(0 online\)/);
  expect(server.proc.stdout).toMatch(/client #1 connected from 127\.0\.0\.1:\d+ \(1 online\)/);
  expect(await server.proc.stop('SIGINT')).toBe(0);
});

test('SIGTERM with clients connected: each is told, the server exits 0', async () => {
  // Flags after a `--`, as `pnpm --filter tcp-echo start -- --port 0` passes them.
  const proc = track(
    spawnCli(PKG, 'src/bin/start.ts', ['--', '--port', '0'], { keepStdinOpen: true }),
  );
  const { port } = await waitForListening(proc);
  const clients = [await rawConnect(port), await rawConnect(port)];
  await proc.waitFor(/\(2 online\)/);
  expect(await proc.stop('SIGTERM')).toBe(0);
  for (const client of clients) {
    expect((await client.readToEnd()).toString()).toBe('Hello World!\nserver shutting down\n');
  }
  expect(proc.stdout).toMatch(/disconnected: server shutting down/);
});

test('Ctrl+C with clients that never close: each is told, each disconnect logged, exit 0', async () => {
  // The seed's Python client sits in input() and reads nothing; a raw socket keeps its side
  // open. Both are cut off at the end of the grace, and the server logs it before exiting:
  // the watchdog of onShutdown waits for the same grace.
  const server = await startServer(PKG, 'src/bin/start.ts');
  track(server.proc);
  const peers: CliProcess[] = [];
  if (hasPython3()) {
    const seed = spawnProgram(
      'python3',
      ['test/fixtures/seed001_client.py', HOST, String(server.port)],
      PKG,
      { keepStdinOpen: true },
    );
    peers.push(track(seed));
    await seed.waitFor(/请输入发送的消息:/);
  }
  const raw = await rawConnect(server.port, HOST, true);
  cleanups.push(() => raw.socket.destroy());
  const online = peers.length + 1;
  await server.proc.waitFor(new RegExp(`\\(${online} online\\)`));
  expect(await server.proc.stop('SIGINT')).toBe(0);
  expect((await raw.readToEnd()).toString()).toBe('Hello World!\nserver shutting down\n');
  const lines = server.proc.stdout.match(/disconnected: server shutting down/g) ?? [];
  expect(lines).toHaveLength(online);
  expect(server.proc.stdout).toMatch(/\(0 online\)\n$/);
}, 30_000);

test('--one-at-a-time: the second client waits unanswered; Ctrl+C tells both', async () => {
  const server = await startServer(PKG, 'src/bin/start.ts', ['--one-at-a-time', '--grace', '0.5']);
  track(server.proc);
  await server.proc.waitFor(/one client at a time/);
  const first = await rawConnect(server.port);
  expect((await first.read(Buffer.byteLength('连接成功\n'))).toString()).toBe('连接成功\n');
  const second = await rawConnect(server.port);
  cleanups.push(
    () => first.socket.destroy(),
    () => second.socket.destroy(),
  );
  await server.proc.waitFor(
    /waits: connected, not served until the client before it leaves \(1 waiting\)/,
  );
  expect(await server.proc.stop('SIGINT')).toBe(0);
  expect((await first.readToEnd()).toString()).toBe('server shutting down\n');
  expect((await second.readToEnd()).toString()).toBe('server shutting down\n'); // never greeted
  expect(server.proc.stdout).toMatch(/was never served: server shutting down/);
  expect(server.proc.stdout).toMatch(/client #1 disconnected: server shutting down/);
}, 30_000);

test('out of file descriptors: said once per burst, with the limit', async () => {
  // `ulimit -n 64`: a few dozen clients use up the descriptors. libuv then accepts and
  // closes the next ones at once, and Node emits no error; the server's own watch speaks.
  const tsx = import.meta.resolve('tsx');
  const proc = track(
    spawnProgram(
      'bash',
      [
        '-c',
        `ulimit -n 64 && exec "${process.execPath}" --import ${tsx} src/bin/start.ts --port 0`,
      ],
      PKG,
      { keepStdinOpen: true },
    ),
  );
  const { port } = await waitForListening(proc);
  for (const burst of [1, 2]) {
    const clients = Array.from({ length: 80 }, () => net.connect(port, HOST));
    let greeted = 0;
    await Promise.all(
      clients.map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.on('error', () => {});
            socket.once('data', () => {
              greeted += 1;
              resolve();
            });
            socket.once('close', () => resolve()); // dropped unseen: closed before a greeting
          }),
      ),
    );
    expect(greeted).toBeGreaterThan(0);
    expect(greeted).toBeLessThan(80);
    await proc.waitFor(burst === 1 ? /out of file/ : /out of file[\s\S]*out of file/);
    const gone = clients.map((socket) => closed(socket));
    for (const socket of clients) socket.destroy();
    await Promise.all(gone);
    // The last greeted client's disconnect is logged before the next burst: the watch re-arms.
    await proc.waitFor(burst === 1 ? /\(0 online\)/ : /\(0 online\)[\s\S]*\(0 online\)/);
  }
  const warnings = proc.stdout.match(/^out of file descriptors: .*$/gm) ?? [];
  expect(warnings).toHaveLength(2);
  expect(warnings[0]).toMatch(/: 64 open, the limit is 64 \(ulimit -n\)\. .*ulimit -n 65536/);
  expect(await proc.stop('SIGINT')).toBe(0);
}, 30_000);

test('the client exits 1 and says why when the server closes first', async () => {
  const { server, port } = await startEcho({ maxClients: 1 });
  cleanups.push(() => server.shutdown(0));
  const first = await rawConnect(port);
  cleanups.push(() => first.socket.destroy());
  const client = await runToEnd(PKG, 'src/bin/client.ts', ['--port', String(port)], {
    input: 'hello\n',
  });
  expect(client.code).toBe(1);
  expect(client.stdout).toMatch(/greeting: server full \(1 clients\): try again later\n$/);
  expect(client.stderr).toMatch(/^tcp-echo client: .*the server closed the connection.*\n$/);
});

test('--help lists every flag with its default', async () => {
  const [start, bench] = await Promise.all([
    runToEnd(PKG, 'src/bin/start.ts', ['--help']),
    runToEnd(PKG, 'bench/main.ts', ['--help']),
  ]);
  expect(start.code).toBe(0);
  expect(start.stdout).toMatch(/^usage: pnpm --filter tcp-echo start \[flags\]/);
  for (const flag of [
    /--host HOST +address to bind \(default 127\.0\.0\.1; env HOST\)/,
    /--port PORT +port to listen on, 0 picks a free one \(default 8888; env PORT\)/,
    /--max-clients N +.*\(default 0\)/,
    /--idle-timeout SECONDS +.*\(default 300\)/,
    /--grace SECONDS +.*\(default 2\)/,
    /--one-at-a-time /,
    /--verbose /,
    /--quiet /,
  ]) {
    expect(start.stdout).toMatch(flag);
  }
  expect(bench.code).toBe(0);
  for (const flag of [
    /--clients C\[,C…\] +.*\(default 100\)/,
    /--messages M +.*\(default 1000\)/,
    /--size S\[,S…\] +.*\(default 64\)/,
    /--servers LIST +.*\(default tcp-echo,pipe,python\)/,
    /--time-limit SECONDS +.*\(default 60\)/,
    /--rounds N +.*\(default 1\)/,
    /--pin S,L\|off +.*\(default 0,1\)/,
    /--json /,
    /--quick /,
  ]) {
    expect(bench.stdout).toMatch(flag);
  }
});

test('bad flags exit 2 with one line on stderr', async () => {
  const runs = await Promise.all([
    runToEnd(PKG, 'src/bin/start.ts', ['--max-clients', 'lots']),
    runToEnd(PKG, 'src/bin/start.ts', ['--idle-timeout', '1m']),
    runToEnd(PKG, 'src/bin/client.ts', ['--bogus']),
  ]);
  expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
  expect(runs.map((r) => r.stderr)).toEqual([
    'tcp-echo start: --max-clients must be a whole number from 0 to 1000000 (got "lots") (see --help)\n',
    'tcp-echo start: --idle-timeout must be a number of seconds from 0 to 86400 (got "1m") (see --help)\n',
    'tcp-echo client: unknown flag --bogus (see --help)\n',
  ]);
});

test('a port in use is one line and exit code 1', async () => {
  const { port, ...run } = await runOnPortInUse(PKG, 'src/bin/start.ts');
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `tcp-echo start: cannot listen on 127.0.0.1:${port} (tcp): address already in use (another server on that port? try --port 0)\n`,
  );
});

test('the demo runs its story and exits 0', async () => {
  const demo = await runToEnd(PKG, 'src/bin/demo.ts');
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
  // The seed's one-at-a-time server: bob gets nothing until alice has left.
  expect(demo.stdout).toMatch(
    /bob {4}│ 0 bytes received so far[\s\S]*client #1 disconnected: said exit[\s\S]*bob {4}│ at last: "连接成功\\nhello\?"/,
  );
  expect(demo.stdout).toMatch(/server │ client #3 connected from 127\.0\.0\.1:\d+ \(3 online\)/);
  expect(demo.stdout).toMatch(/server │ client #2 disconnected: reset the connection \(RST\)/);
  expect(demo.stdout).toMatch(/carol {2}│ echoed "one\\ntwo\\n", then the server closed/);
  expect(demo.stdout).toMatch(
    /server │ client #1 disconnected: said exit, 17 bytes echoed \(0 online\)\n {2}alice {2}│ bye\n/,
  );
  expect(demo.stdout).toMatch(
    hasPython3()
      ? /ours {3}│ 1025-byte echo through the proxy, median of 5: [\d.]+ ms\n/
      : /python3 not found/,
  );
}, 30_000);

test('the bench measures a running server and checks every echo', async () => {
  const { server, port } = await startEcho();
  cleanups.push(() => server.shutdown(0));
  const bench = await runToEnd(PKG, 'bench/main.ts', [
    '--port',
    String(port),
    '--clients',
    '3',
    '--messages',
    '50',
    '--size',
    '1K',
    '--pin',
    'off',
  ]);
  expect(bench.code).toBe(0);
  expect(bench.stderr).toBe(`running 3 clients × 50 messages × 1024 bytes → 127.0.0.1:${port}\n`);
  // | clients | size | server | msgs/s | MB/s | p50 | p99 | max | errors | …
  expect(bench.stdout).toMatch(
    new RegExp(
      `\\n\\| 3 +\\| 1 KiB +\\| 127\\.0\\.0\\.1:${port} +\\| [\\d,]+ +\\|[^|]+\\|[^|]+\\|[^|]+\\|[^|]+\\| 0 +\\|`,
    ),
  );
});

test('bench --json prints one JSON line on stdout and nothing else', async () => {
  const { server, port } = await startEcho();
  cleanups.push(() => server.shutdown(0));
  const args = ['--port', String(port), '--clients', '3', '--messages', '50', '--size', '1K'];
  const bench = await runToEnd(PKG, 'bench/main.ts', [...args, '--pin', 'off', '--json']);
  expect(bench.code).toBe(0);
  expect(bench.stdout.endsWith('\n')).toBe(true);
  expect(bench.stdout.trim().split('\n')).toHaveLength(1);
  const doc = JSON.parse(bench.stdout) as {
    bench: string;
    rows: { name: string; figures: Record<string, number | null> }[];
    machine: { cores: number };
  };
  expect(doc.bench).toBe('tcp-echo');
  expect(doc.rows.map((r) => r.name)).toEqual([`127.0.0.1:${port}, 3 clients × 1 KiB`]);
  expect(doc.rows[0]?.figures).toMatchObject({ errors: 0, 'unfinished clients': 0 });
  expect(doc.machine.cores).toBeGreaterThan(0);
  expect(bench.stderr).toMatch(/^running 3 clients × 50 messages × 1024 bytes/);
}, 30_000);
