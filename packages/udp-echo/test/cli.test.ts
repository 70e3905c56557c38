// The programs as a user runs them: real processes (node --import tsx src/bin/…), port 0,
// piped stdin, --help, bad flags, a client talking to a port where nothing listens, and the
// demo. Each start costs about a second, so there are few of these.
import { checkUdpBenchJson, checkUdpBenchTable } from '@socket-lab/bench/udp-checks';
import { missingFrom, packageCli } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { boundSocket, closeAll } from './helpers.js';

const cli = packageCli(import.meta.url);
afterEach(async () => {
  cli.killAll();
  await closeAll();
});

test('seed 001 in TypeScript: --no-reply prints and answers nothing; --no-wait sends and cannot tell', async () => {
  // Checks the lesson "UDP has no connection": the sender exits 0 with the server silent,
  // and exits 0 the same way when nobody is there at all.
  const server = await cli.start(['--no-reply']);
  const watcher = await boundSocket(); // did any answer come back? (a port nobody uses next)
  let answers = 0;
  watcher.on('message', () => {
    answers += 1;
  });
  const sent = await cli.run('client', ['--no-wait', '--port', String(server.port)], {
    input: 'hi\n\nthere\nexit\nnot sent\n',
  });
  expect(sent.code).toBe(0);
  expect(sent.stdout).toBe(
    `sent 2 bytes to 127.0.0.1:${server.port} (no answer expected)\nsent 5 bytes to 127.0.0.1:${server.port} (no answer expected)\n`,
  );
  await server.proc.waitFor(/5 bytes from 127\.0\.0\.1:\d+: there\n/);
  expect(server.proc.stdout).not.toMatch(/not sent/);
  const nobody = watcher.address().port; // bound by us, read by nobody
  const lost = await cli.run('client', ['--no-wait', '--port', String(nobody)], {
    input: 'anyone?\n',
  });
  expect(lost.code).toBe(0);
  expect(lost.stdout).toBe(`sent 7 bytes to 127.0.0.1:${nobody} (no answer expected)\n`);
  expect(answers).toBe(1); // only our own datagram, delivered to the socket nobody reads
  expect(await server.proc.stop('SIGTERM')).toBe(0);
});

test('start and client: piped lines come back, then SIGTERM stops the server with code 0', async () => {
  // Checks the whole path a user takes: two real processes, stdin piped, SIGTERM at the end.
  const server = await cli.start(['--upper']);
  const client = await cli.run('client', ['--', '--port', String(server.port), '--timeout', '5'], {
    input: 'hello\n\nudp\nexit\nnot sent\n',
  });
  expect(client.code).toBe(0);
  expect(client.stdout).toMatch(
    /^reply from 127\.0\.0\.1:\d+: HELLO \(5 bytes, [\d.]+ ms\)\nreply from .*: UDP \(3 bytes/,
  );
  expect(client.stderr).toBe('2 messages, all answered\n');
  await server.proc.waitFor(/3 bytes from 127\.0\.0\.1:\d+: udp\n/);
  expect(server.proc.stdout).not.toMatch(/not sent|exit/);
  expect(await server.proc.stop('SIGTERM')).toBe(0);
});

test('a client waiting for its next line stops on SIGINT (Ctrl+C) with code 0', async () => {
  // Checks the Ctrl+C contract for a client mid-session: its socket open, stdin still open.
  const server = await cli.start();
  const client = cli.spawn('client', ['--port', String(server.port)], {
    keepStdinOpen: true,
  });
  client.child.stdin?.write('hello\n');
  await client.waitFor(/^reply from .*: hello \(5 bytes/m);
  expect(await client.stop('SIGINT')).toBe(0);
  expect(client.stderr).toBe('');
});

test('a client talking to a port where nothing listens reports the loss and exits 1', async () => {
  // Checks that silence ends in a report and exit code 1, not a hang.
  const probe = await boundSocket();
  const port = probe.address().port;
  await closeAll(); // now nothing listens on that port
  const client = await cli.run(
    'client',
    ['--port', String(port), '--timeout', '0.2', '--retries', '1'],
    { input: 'hello?\n' },
  );
  expect(client.code).toBe(1);
  expect(client.stdout).toBe('');
  expect(client.stderr).toMatch(/^no answer within 0\.2 s, sending again \(try 2 of 2\)\n/);
  expect(client.stderr).toMatch(/no answer to "hello\?" after 2 tries of 0\.2 s/);
  expect(client.stderr).toMatch(/1 message, 0 answered, 1 without an answer\n$/);
});

test('--help lists every flag with its default', async () => {
  // Checks that --help documents each flag of both programs with its default.
  const [start, client] = await Promise.all([
    cli.run('start', ['--help']),
    cli.run('client', ['--help']),
  ]);
  expect(start.code).toBe(0);
  const flags = ['--host HOST', '--port PORT', '--upper', '--buffer BYTES', '--quiet', '--help'];
  expect(missingFrom(start.stdout, flags)).toEqual([]);
  expect(start.stdout).toMatch(/default 8888/);
  expect(client.code).toBe(0);
  expect(client.stdout).toMatch(
    /--timeout SECONDS +how long each try waits for the echo \(default 1\)/,
  );
  expect(client.stdout).toMatch(/--retries N +.* \(default 2\)/);
});

test('bad flags and a port in use are one line on stderr and a non-zero exit', async () => {
  // Checks the CLI contract for mistakes: one line on stderr, exit 2 (usage) or 1 (failure).
  const [badBuffer, zeroTimeout, inUse] = await Promise.all([
    cli.run('start', ['--buffer', '0']),
    cli.run('client', ['--timeout', '0']),
    cli.startOnPortInUse([], 'udp'),
  ]);
  expect(badBuffer).toMatchObject({ code: 2, stdout: '' });
  expect(badBuffer.stderr).toBe(
    'udp-echo start: --buffer must be a whole number from 1 to 65535 (got "0") (see --help)\n',
  );
  expect(zeroTimeout.code).toBe(2);
  expect(zeroTimeout.stderr).toBe(
    'udp-echo client: --timeout must be more than 0 seconds (see --help)\n',
  );
  expect(inUse.code).toBe(1);
  expect(inUse.stderr).toMatch(
    /^udp-echo start: cannot bind 127\.0\.0\.1:\d+ \(udp\): address already in use.*\n$/,
  );
});

test('the demo runs every scene and exits 0', async () => {
  // Checks that the tour's udp-echo scene runs clean and shows each lesson.
  const demo = await cli.run('demo');
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
  expect(demo.stdout).toMatch(/reply from .*: HELLO FROM SEED 002/);
  expect(demo.stdout).toMatch(/recvfrom\(1024\) would keep 1024 and drop 976/);
  expect(demo.stdout).toMatch(/no answer to "is anyone there\?" after 2 tries/);
});

// The bench is @socket-lab/bench's runUdpSeedBench, which udp-echo and udp-time share, so
// the checks of its table and its --json are shared too (bench/src/udp-checks.ts).
const BENCH = { pkg: cli.dir, bench: 'udp-echo', seedRow: 'seed 002 server (Python 3)' };

test('bench: both servers measured under the same small load, every request answered', () =>
  checkUdpBenchTable(BENCH));

test('bench --quick --json: one JSON document on stdout, with the rows and the comparison', () =>
  checkUdpBenchJson(BENCH));
