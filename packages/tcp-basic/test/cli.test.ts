import net from 'node:net';
import { packageCli } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';

const cli = packageCli(import.meta.url);
afterEach(() => cli.killAll());

test('start + client reproduce seed 000, and the server exits 0 after its one client', async () => {
  const server = await cli.start();
  const client = await cli.run('client', ['--port', String(server.port)]);
  expect(client).toMatchObject({ code: 0, stdout: 'the data received is byebye\n', stderr: '' });
  expect(await server.proc.waitForExit()).toBe(0);
  expect(server.proc.stdout).toMatch(
    /^listening on 127\.0\.0\.1:\d+ \(tcp\)\ngot connected from 127\.0\.0\.1:\d+\nhihi\n$/,
  );
});

test("--forever greets with the seed's words and serves three clients; --sockets 2 opens two at once; SIGTERM exits 0", async () => {
  const server = await cli.start(['--forever']);
  const one = await cli.run('client', ['--port', String(server.port), '--message', 'one']);
  // Flags after a literal `--`, as `pnpm start -- --sockets 2` passes them.
  const two = await cli.run('client', ['--', '--port', String(server.port), '--sockets', '2']);
  expect(one.stdout).toBe('the data received is hello I am server,welcome\n');
  expect(two.stdout).toBe(
    '[socket 1] the data received is hello I am server,welcome\n[socket 2] the data received is hello I am server,welcome\n',
  );
  await server.proc.waitFor(/(got connected.*\n(one|hihi)\n[\s\S]*){3}/);
  expect(await server.proc.stop('SIGTERM')).toBe(0);
});

test('--sockets 2 against the one-shot server says that it needs --forever', async () => {
  // The seed's first server accepts once and closes its listening socket: socket 2 is refused.
  const server = await cli.start();
  const client = await cli.run('client', ['--port', String(server.port), '--sockets', '2']);
  expect(client.code).toBe(1);
  expect(client.stdout).toBe('[socket 1] the data received is byebye\n');
  expect(client.stderr).toBe(
    `tcp-basic client: socket 2: cannot connect to 127.0.0.1:${server.port}: connection refused (a server started without --forever stops listening after its first client)\n`,
  );
  expect(await server.proc.waitForExit()).toBe(0);
});

test('without --forever, a client that never closes does not keep the server alive', async () => {
  // Timed out after 0.3 s, sent FIN, cut off when the grace ends: the server exits 0.
  const server = await cli.start(['--timeout', '0.3']);
  const silent = net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
  silent.on('error', () => {});
  silent.resume();
  try {
    expect(await server.proc.waitForExit()).toBe(0);
    expect(server.proc.stdout).toMatch(/: nothing received within 0\.3 s\n$/);
  } finally {
    silent.destroy();
  }
}, 30_000);

test('--forever out of file descriptors: said once, with the limit', async () => {
  // `ulimit -n 64`: a few dozen waiting clients use up the descriptors. libuv then accepts
  // and closes the next ones at once, and Node emits no error; the server's own watch speaks.
  const clients: net.Socket[] = [];
  try {
    const { port, proc } = await cli.start(['--forever'], { ulimit: '-n 64' });
    let greeted = 0;
    await Promise.all(
      Array.from({ length: 80 }, () => {
        const socket = net.connect(port, '127.0.0.1');
        clients.push(socket);
        return new Promise<void>((resolve) => {
          socket.on('error', () => {});
          socket.once('data', () => {
            greeted += 1;
            resolve();
          });
          socket.once('close', () => resolve()); // dropped unseen: closed before byebye
        });
      }),
    );
    expect(greeted).toBeGreaterThan(0);
    expect(greeted).toBeLessThan(80);
    await proc.waitFor(/out of file descriptors: 64 open, the limit is 64 \(ulimit -n\)/);
    expect(proc.stdout.match(/out of file descriptors/g)).toHaveLength(1);
    expect(await proc.stop('SIGTERM')).toBe(0);
  } finally {
    for (const socket of clients) socket.destroy();
  }
}, 30_000);

test('--mode ask on both sides is seed 002', async () => {
  const server = await cli.start(['--mode', 'ask']);
  const client = await cli.run('client', ['--port', String(server.port), '--mode', 'ask']);
  expect(client.stdout).toBe('the data received is 不要回答,不要回答,不要回答\n');
  expect(await server.proc.waitForExit()).toBe(0);
  expect(server.proc.stdout).toMatch(/\nyaoyao\n$/);
});

test('--help lists every flag with its default', async () => {
  const { code, stdout } = await cli.run('start', ['--help']);
  expect(code).toBe(0);
  for (const flag of [
    '--host',
    '--port',
    '--mode',
    '--message',
    '--forever',
    '--timeout',
    '--help',
  ]) {
    expect(stdout).toContain(flag);
  }
  expect(stdout).toContain('default 31500');
});

test('bad flags are one line on stderr and exit 2', async () => {
  const bad = await cli.run('client', ['--port', '70000']);
  expect(bad).toMatchObject({ code: 2, stdout: '' });
  expect(bad.stderr).toBe(
    'tcp-basic client: --port must be a whole number from 0 to 65535 (got "70000") (see --help)\n',
  );
  const unknown = await cli.run('start', ['--mode', 'shout']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
});

test('a port in use is one clear line and exit 1, no stack trace', async () => {
  const { code, stderr, port } = await cli.startOnPortInUse();
  expect(code).toBe(1);
  expect(stderr).toBe(
    `tcp-basic start: cannot listen on 127.0.0.1:${port} (tcp): address already in use (another server on that port? try --port 0)\n`,
  );
});
