// The programs as a user runs them: real processes, port 0, piped stdin, --format, --help,
// bad flags, a client talking to a port where nothing listens, and the demo. Each start
// costs about a second, so there are few of these.
import { checkUdpBenchJson, checkUdpBenchTable } from '@socket-lab/bench/udp-checks';
import { missingFrom, packageCli } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { boundSocket, closeAll } from './helpers.js';

const cli = packageCli(import.meta.url);
afterEach(async () => {
  cli.killAll();
  await closeAll();
});

test('start --tz and client: piped formats and --format get answers; SIGINT stops the server with 0', async () => {
  // Checks the whole path: --tz, piped and --format questions, `exit`, and SIGINT.
  const server = await cli.start(['--tz', 'Asia/Shanghai']);
  const port = String(server.port);
  const [piped, once] = await Promise.all([
    cli.run('client', ['--port', port, '--timeout', '5'], {
      input: '%Z %z\n\n%Y\nexit\n%H\n',
    }),
    cli.run('client', ['--', '--port', port, '--format', '%Z', '--timeout', '5']),
  ]);
  expect(piped.code).toBe(0);
  expect(piped.stdout).toMatch(/^CST \+0800\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n\d{4}\n$/);
  expect(once).toMatchObject({ code: 0, stdout: 'CST\n', stderr: '' });
  await server.proc.waitFor(/asked "%Y" → "\d{4}"/);
  expect(server.proc.stdout).toMatch(/answering in time zone Asia\/Shanghai/);
  expect(server.proc.stdout).not.toMatch(/"%H"/); // after exit: never sent
  expect(await server.proc.stop('SIGINT')).toBe(0);
});

test('an error answer, and a port where nothing listens, make the client exit 1', async () => {
  // Checks the client's exit code 1 for both ways a question can fail.
  const server = await cli.start(['--utc']);
  const probe = await boundSocket();
  const deadPort = String(probe.address().port);
  await closeAll(); // now nothing listens there
  const [refused, lost] = await Promise.all([
    cli.run('client', ['--port', String(server.port), '--format', '%10Y', '--timeout', '5']),
    cli.run('client', ['--port', deadPort, '--timeout', '0.2', '--retries', '1'], {
      input: '%Y\n',
    }),
  ]);
  expect(refused).toMatchObject({
    code: 1,
    stdout: 'error: field widths such as %10Y are not supported\n',
  });
  expect(lost.code).toBe(1);
  expect(lost.stdout).toBe('');
  expect(lost.stderr).toBe(
    'no answer within 0.2 s, sending again (try 2 of 2)\n' +
      `no answer after 2 tries of 0.2 s: lost on the way there or back, or nothing listens on 127.0.0.1:${deadPort}\n`,
  );
});

test('--help lists every flag with its default; bad flags are one line and exit 2', async () => {
  // Checks --help of both programs and the usage errors, each one line and exit 2.
  const [startHelp, clientHelp, badZone, both, badRetries] = await Promise.all([
    cli.run('start', ['--help']),
    cli.run('client', ['--help']),
    cli.run('start', ['--tz', 'Mars/Olympus_Mons']),
    cli.run('start', ['--utc', '--tz', 'UTC']),
    cli.run('client', ['--retries', 'lots']),
  ]);
  expect(startHelp.code).toBe(0);
  const flags = ['--host HOST', '--port PORT', '--utc', '--tz ZONE', '--quiet', '--help'];
  expect(missingFrom(startHelp.stdout, flags)).toEqual([]);
  expect(startHelp.stdout).toMatch(/\(default 9000; env PORT\)/);
  expect(clientHelp.code).toBe(0);
  expect(clientHelp.stdout).toMatch(/--format F/);
  expect(clientHelp.stdout).toMatch(/--timeout SECONDS .*\(default 1\)/);
  expect(clientHelp.stdout).toMatch(/--retries N .*\(default 2\)/);
  expect(badZone).toMatchObject({
    code: 2,
    stderr:
      'udp-time start: --tz must be an IANA time zone such as Asia/Shanghai (got "Mars/Olympus_Mons") (see --help)\n',
  });
  expect(both).toMatchObject({
    code: 2,
    stderr: 'udp-time start: --utc and --tz cannot be used together (see --help)\n',
  });
  expect(badRetries.code).toBe(2);
  expect(badRetries.stderr).toMatch(
    /^udp-time client: --retries must be a whole number from 0 to 100/,
  );
});

test('the demo runs every scene and exits 0', async () => {
  // Checks that the tour's udp-time scene runs clean and shows the bounds.
  const demo = await cli.run('demo');
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
  expect(demo.stdout).toMatch(/client │ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n/);
  expect(demo.stdout).toMatch(/error: answer too long \(1200 bytes, at most 1024\)/);
});

// The bench is @socket-lab/bench's runUdpSeedBench, which udp-echo and udp-time share, so
// the checks of its table and its --json are shared too (bench/src/udp-checks.ts).
const BENCH = { pkg: cli.dir, bench: 'udp-time', seedRow: 'seed 002 time server (Python 3)' };

test('bench: both servers measured under the same small load, every request answered', () =>
  checkUdpBenchTable(BENCH));

test('bench --quick --json: one JSON document on stdout, with the rows and the comparison', () =>
  checkUdpBenchJson(BENCH));
