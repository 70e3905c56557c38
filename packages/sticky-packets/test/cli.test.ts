import net from 'node:net';
import { hasIPv6, packageCli } from '@socket-lab/common/testing';
import { afterEach, expect, test, vi } from 'vitest';

// Each program start costs about a second on a quiet machine, more on a busy one.
vi.setConfig({ testTimeout: 30_000 });

const cli = packageCli(import.meta.url);
// Killed after each test, even one that timed out, so no receiver outlives its test.
afterEach(() => cli.killAll());

test('--framing none: every read printed, 2520 bytes in all; SIGTERM exits 0', async () => {
  const server = await cli.start(['--delay', '0']);
  // Flags after a literal `--`, as `pnpm client -- --gap 0` passes them; the port from env.
  const client = await cli.run('client', ['--', '--gap', '0'], {
    env: { PORT: String(server.port) },
  });
  expect(client.code).toBe(0);
  expect(client.stdout.split('\n').slice(1, 3)).toEqual([
    'write 1: 17 bytes  welcome to qytang',
    'write 2: 1 byte  1',
  ]);
  expect(client.stdout).toMatch(/\nsent 7 writes, 2520 bytes; closed\n$/);
  const [, reads] = (await server.proc.waitFor(
    /\[1\] closed: (\d+) reads, 2520 bytes\n/,
  )) as string[];
  const sizes = [...server.proc.stdout.matchAll(/\[1\] read \d+: (\d+) bytes?/g)].map((m) =>
    Number(m[1]),
  );
  expect(sizes).toHaveLength(Number(reads));
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(2520);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(1024);
  expect(await server.proc.stop('SIGTERM')).toBe(0);
});

test.skipIf(!(await hasIPv6()))(
  '--framing length over IPv6: the seven messages come out whole',
  async () => {
    const server = await cli.start(['--framing', 'length', '--delay', '0', '--host', '::1']);
    expect(server.proc.stdout).toMatch(/^listening on \[::1\]:\d+ \(tcp\)\n/);
    const client = await cli.run('client', [
      '--framing',
      'length',
      '--gap',
      '0',
      '--host',
      '::1',
      '--port',
      String(server.port),
    ]);
    expect(client.code).toBe(0);
    expect(client.stdout).toContain('write 7: 2004 bytes (2000 bytes + 4 of framing)');
    await server.proc.waitFor(/\[1\] closed: 7 messages in \d+ reads?, 2548 bytes\n/);
    const sizes = [...server.proc.stdout.matchAll(/ {3}message \d+: (\d+) bytes?/g)].map((m) =>
      Number(m[1]),
    );
    expect(sizes).toEqual([17, 1, 300, 1, 200, 1, 2000]);
    expect(await server.proc.stop('SIGINT')).toBe(0);
  },
);

test('--framing line with --stdin: each piped line is one message, an empty one too', async () => {
  const server = await cli.start(['--framing', 'line', '--delay', '0']);
  const client = await cli.run(
    'client',
    ['--framing', 'line', '--stdin', '--gap', '0', '--port', String(server.port)],
    { input: 'alpha\nbeta\r\n\n' },
  );
  expect(client).toMatchObject({ code: 0, stderr: '' });
  await server.proc.waitFor(/\[1\] closed: 3 messages in \d+ reads?, 12 bytes\n/);
  const messages = server.proc.stdout.split('\n').filter((l) => /^\[1\] {3}message/.test(l));
  expect(messages).toEqual([
    '[1]   message 1: 5 bytes  alpha',
    '[1]   message 2: 4 bytes  beta',
    '[1]   message 3: 0 bytes',
  ]);
  expect(await server.proc.stop()).toBe(0);
});

test('--udp: seven datagrams, seven reads, the last cut at 1024', async () => {
  const server = await cli.start(['--udp', '--delay', '0']);
  expect(server.proc.stdout).toMatch(/^listening on 127\.0\.0\.1:\d+ \(udp\)\n/);
  const client = await cli.run('client', ['--udp', '--gap', '0', '--port', String(server.port)]);
  expect(client.code).toBe(0);
  expect(client.stdout).toMatch(/\nsent 7 datagrams, 2520 bytes\n$/);
  await server.proc.waitFor(
    /datagram 7 from [^:]+:\d+: 2000 bytes; recvfrom\(1024\) keeps 1024, drops 976/,
  );
  const sizes = [...server.proc.stdout.matchAll(/datagram \d+ from \S+ (\d+) bytes?/g)].map((m) =>
    Number(m[1]),
  );
  expect(sizes).toEqual([17, 1, 300, 1, 200, 1, 2000]);
  expect(await server.proc.stop('SIGINT')).toBe(0);
});

test('--help lists every flag with its default, on both sides', async () => {
  const [start, client] = await Promise.all([
    cli.run('start', ['--help']),
    cli.run('client', ['--help']),
  ]);
  expect([start.code, client.code]).toEqual([0, 0]);
  for (const text of [
    '--host',
    'default 127.0.0.1',
    '--port',
    'default 6666',
    '--framing none|length|line',
    'default none',
    '--udp',
    '--delay SECONDS',
    'default 1)',
    '--buffer BYTES',
    'default 1024',
    '--max-message SIZE',
    'default 16M',
    '--max-clients N',
    'default 0)',
    '--idle-timeout SECONDS',
    'default 300)',
    '--max-buffered SIZE',
    'default 64M',
    '--grace SECONDS',
    'default 5)',
    '--help',
  ]) {
    expect(start.stdout).toContain(text);
  }
  // One program does TCP and UDP, and over UDP nothing connects or listens.
  expect(start.stdout).toContain('port to bind, 0 picks a free one');
  expect(client.stdout).toMatch(/address to send to.*\n.*port to send to/);
  expect(`${start.stdout}${client.stdout}`).not.toMatch(/connect to|listen on/);
  for (const text of [
    'default 6666',
    '--framing',
    '--udp',
    '--gap SECONDS',
    '--message TEXT',
    '--stdin',
  ]) {
    expect(client.stdout).toContain(text);
  }
});

test('bad flags are one line on stderr and exit 2', async () => {
  const framing = await cli.run('start', ['--framing', 'xml']);
  expect(framing).toMatchObject({
    code: 2,
    stdout: '',
    stderr:
      'sticky-packets start: --framing must be one of none, length, line (got "xml") (see --help)\n',
  });
  const udp = await cli.run('client', ['--udp', '--framing', 'length']);
  expect(udp).toMatchObject({
    code: 2,
    stderr:
      'sticky-packets client: --framing is for TCP: over UDP each datagram is already one message (see --help)\n',
  });
  const none = await cli.run('start', ['--max-message', '0']);
  expect(none).toMatchObject({
    code: 2,
    stderr: 'sticky-packets start: --max-message must be at least 1 byte (see --help)\n',
  });
});

test('demo: shows the merge, the split, the framed fix, the path cutting, UDP; exits 0', async () => {
  const { code, stdout, stderr } = await cli.run('demo');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('#2  302 B  1yyyyyyyyy…yyyyy2  ◀ merged: writes 2+3+4');
  expect(stdout).toContain('#5 1024 B  vvvvvvvvvv…vvvvvv  ◀ split: write 7, bytes 1-1024');
  expect(stdout).toContain('#6  976 B  vvvvvvvvvv…vvvvvv  ◀ split: write 7, bytes 1025-2000');
  expect(stdout).toContain('7 writes became 6 reads: the same 2520 bytes in order');
  expect(stdout).toMatch(/#6 {2}980 B {6}message 7 2000 B/); // the framed fix
  // Through fault-proxy --split 7: the pieces raw, the messages framed.
  expect(stdout).toContain('#1    7 B  welcome            ◀ split: write 1, bytes 1-7');
  expect(stdout).toContain('#3    3 B  ang                ◀ split: write 1, bytes 15-17');
  expect(stdout).toMatch(/#3 {4}7 B {6}message 1 {3}17 B {2}welcome to qytang/);
  expect(stdout).toContain('#7 1024 B  vvvvvvvvvv…vvvvvv  ◀ cut: 976 B dropped'); // UDP
  expect(stdout).not.toContain('never arrived');
});

test('--max-clients and --idle-timeout: the client over the limit and the silent one are told why', async () => {
  // The idle timeout is long enough that the first client is still served when the second
  // comes, however slowly this machine runs the few steps between.
  const server = await cli.start(['--max-clients', '1', '--idle-timeout', '1.5']);
  const heard = (socket: net.Socket) =>
    new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      socket.once('end', () => resolve(text));
    });
  const first = net.connect(server.port, '127.0.0.1');
  first.on('error', () => {});
  const firstHeard = heard(first);
  await server.proc.waitFor(/\[1\] connected from/);
  const second = net.connect(server.port, '127.0.0.1');
  second.on('error', () => {});
  expect(await heard(second)).toBe('receiver full (1 client): try again later\n');
  await server.proc.waitFor(
    /\[2\] refused 127\.0\.0\.1:\d+: 1 client served already \(--max-clients\)\n/,
  );
  expect(await firstHeard).toBe('idle for 1.5 s: closing\n');
  await server.proc.waitFor(/\[1\] no bytes for 1\.5 s: told to go \(--idle-timeout\)\n/);
  await server.proc.waitFor(/\[1\] closed: 0 reads, 0 bytes\n/);
  expect(await server.proc.stop()).toBe(0);
});

test('--udp on a port already taken: one line that says bind, exit 1', async () => {
  // UDP has no listen(): the error names the system call that failed.
  const { port, ...run } = await cli.startOnPortInUse(['--udp'], 'udp');
  expect(run).toMatchObject({
    code: 1,
    stdout: '',
    stderr: `sticky-packets start: cannot bind 127.0.0.1:${port} (udp): address already in use (another server on that port? try --port 0)\n`,
  });
});
