// The programs as a learner runs them: real processes, real sockets, port 0.
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasIPv6, packageCli } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';

const cli = packageCli(import.meta.url);
const ipv6 = await hasIPv6();
afterEach(() => cli.killAll());

test('start + client: both ends print the same association, mirrored; SIGTERM exits 0', async () => {
  // What this checks: the client's (local, remote) is the server's (remote, local), the
  // client's port lies in the range it names, lines echo, and the server stops on SIGTERM.
  const server = await cli.start();
  const client = await cli.run('client', ['--port', String(server.port)], {
    input: 'hello\nworld\n',
  });
  expect(client.code).toBe(0);
  const m = /connected: \(tcp, (127\.0\.0\.1:\d+), (127\.0\.0\.1:\d+)\)/.exec(client.stdout);
  expect(m?.[2]).toBe(`127.0.0.1:${server.port}`);
  await server.proc.waitFor(/#1 closed/);
  expect(server.proc.stdout).toContain(`#1 accepted (tcp, 127.0.0.1:${server.port}, ${m?.[1]})`);
  expect(server.proc.stdout).toContain(`half association (tcp, 127.0.0.1:${server.port})`);
  expect(client.stdout).toMatch(/our port \d+: inside the ephemeral range \d+-\d+/);
  expect(client.stdout).toContain("echo: hello\necho: world\nclosed: our FIN, then the server's\n");
  expect(await server.proc.stop('SIGTERM')).toBe(0);
});

test.skipIf(!ipv6)('--host ::1 works on both sides', async () => {
  // What this checks: IPv6 addresses are printed in brackets, and the echo works.
  const server = await cli.start(['--host', '::1']);
  expect(server.host).toBe('::1');
  const client = await cli.run('client', ['--host', '::1', '--port', String(server.port)], {
    input: 'six\n',
  });
  expect(client.stdout).toMatch(/connected: \(tcp, \[::1\]:\d+, \[::1\]:\d+\)/);
  expect(client.stdout).toContain('echo: six\n');
});

test('--unix PATH: the same echo over an AF_UNIX socket', async () => {
  // What this checks: start and client agree on a socket path; no ports are printed.
  const dir = await mkdtemp(join(tmpdir(), 'socket-basics-test-'));
  try {
    const path = join(dir, 'echo.sock');
    const server = cli.spawn('start', ['--unix', path], { keepStdinOpen: true });
    await server.waitFor(/listening on .*echo\.sock \(unix\)/);
    const client = await cli.run('client', ['--unix', path], { input: 'local\n' });
    expect(client).toMatchObject({ code: 0 });
    expect(client.stdout).toContain('connected over AF_UNIX');
    expect(client.stdout).toContain('echo: local\n');
    await server.waitFor(/#1 accepted \(unix\)/);
    expect(await server.stop('SIGTERM')).toBe(0);
    // A file left at the path (by a crash, or a Python server) is one line and exit 1.
    await writeFile(path, '');
    const again = await cli.run('start', ['--unix', path]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^socket-basics start: cannot listen on .*: the path exists/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--help lists every flag with its default; a bad flag is one line and exit 2', async () => {
  // What this checks: the CLI contract on both programs.
  const help = await cli.run('start', ['--help']);
  expect(help.code).toBe(0);
  for (const flag of ['--host', '--port', '--unix', '--idle-timeout', '--help'])
    expect(help.stdout).toContain(flag);
  expect(help.stdout).toContain('default 7000');
  const bad = await cli.run('client', ['--bogus']);
  expect(bad).toMatchObject({ code: 2, stdout: '' });
  expect(bad.stderr).toBe('socket-basics client: unknown flag --bogus (see --help)\n');
});

test('a client that says nothing is closed after --idle-timeout; one that talks is served', async () => {
  // What this checks: the server does not hold a silent peer forever (hostile peers).
  const server = await cli.start(['--idle-timeout', '0.5']);
  const silent = net.connect(server.port, '127.0.0.1');
  silent.on('error', () => {});
  await once(silent, 'connect');
  const talker = net.connect(server.port, '127.0.0.1');
  await once(talker, 'connect');
  talker.write('hi');
  const [echo] = await once(talker, 'data');
  expect(String(echo)).toBe('hi');
  await once(silent, 'close'); // the server's doing: we never close it
  await server.proc.waitFor(/idle for 0\.5 s: closed/);
  talker.destroy();
  expect(await server.proc.stop()).toBe(0);
});

test('a port in use is one line and exit 1', async () => {
  // What this checks: a startup failure is a sentence, not a stack trace.
  const { code, stderr } = await cli.startOnPortInUse();
  expect(code).toBe(1);
  expect(stderr).toMatch(
    /^socket-basics start: cannot listen on 127\.0\.0\.1:\d+ \(tcp\): address already in use/,
  );
  expect(stderr.trim().split('\n')).toHaveLength(1);
});

test('the demo runs every step and exits 0', async () => {
  // What this checks: nine headings, no failed step, and the skips (if any) said in words.
  const demo = await cli.run('demo', [], { timeoutMs: 30_000 });
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
  for (let step = 1; step <= 9; step++)
    expect(demo.stdout).toMatch(new RegExp(`^${step}\\. `, 'm'));
  expect(demo.stdout).not.toContain('this step failed');
  expect(demo.stdout).not.toContain('not found in');
});
