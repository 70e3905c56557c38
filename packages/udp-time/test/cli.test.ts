// The programs as a user runs them: real processes, port 0, piped stdin, --format, --help,
// bad flags, a client talking to a port where nothing listens, and the demo. Each start
// costs about a second, so there are few of these.
import { hasPython3, runToEnd, startServer } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { boundSocket, closeAll } from './helpers.js';

const PKG = new URL('..', import.meta.url);
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await closeAll();
});

test('start --tz and client: piped formats and --format get answers; SIGINT stops the server with 0', async () => {
  // Checks the whole path: --tz, piped and --format questions, `exit`, and SIGINT.
  const server = await startServer(PKG, 'src/bin/start.ts', ['--tz', 'Asia/Shanghai']);
  stops.push(() => server.proc.kill());
  const port = String(server.port);
  const [piped, once] = await Promise.all([
    runToEnd(PKG, 'src/bin/client.ts', ['--port', port, '--timeout', '5'], {
      input: '%Z %z\n\n%Y\nexit\n%H\n',
    }),
    runToEnd(PKG, 'src/bin/client.ts', ['--', '--port', port, '--format', '%Z', '--timeout', '5']),
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
  const server = await startServer(PKG, 'src/bin/start.ts', ['--utc']);
  stops.push(() => server.proc.kill());
  const probe = await boundSocket();
  const deadPort = String(probe.address().port);
  await closeAll(); // now nothing listens there
  const [refused, lost] = await Promise.all([
    runToEnd(PKG, 'src/bin/client.ts', [
      '--port',
      String(server.port),
      '--format',
      '%10Y',
      '--timeout',
      '5',
    ]),
    runToEnd(PKG, 'src/bin/client.ts', ['--port', deadPort, '--timeout', '0.2', '--retries', '1'], {
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
    runToEnd(PKG, 'src/bin/start.ts', ['--help']),
    runToEnd(PKG, 'src/bin/client.ts', ['--help']),
    runToEnd(PKG, 'src/bin/start.ts', ['--tz', 'Mars/Olympus_Mons']),
    runToEnd(PKG, 'src/bin/start.ts', ['--utc', '--tz', 'UTC']),
    runToEnd(PKG, 'src/bin/client.ts', ['--retries', 'lots']),
  ]);
  expect(startHelp.code).toBe(0);
  for (const flag of ['--host HOST', '--port PORT', '--utc', '--tz ZONE', '--quiet', '--help']) {
    expect(startHelp.stdout).toContain(flag);
  }
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
  const demo = await runToEnd(PKG, 'src/bin/demo.ts');
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
  expect(demo.stdout).toMatch(/client │ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n/);
  expect(demo.stdout).toMatch(/error: answer too long \(1200 bytes, at most 1024\)/);
});

test('bench: both servers measured under the same small load, every request answered', async () => {
  // The bench as a user runs it, with tiny numbers: a row per server, nothing lost, exit 0.
  const r = await runToEnd(
    PKG,
    'bench/main.ts',
    ['--senders', '2', '--requests', '20', '--rounds', '1'],
    { timeoutMs: 30_000 },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^\| udp-time \(Node[^|]*\| +[\d,]+ \|.*\| +40 \| +0 \|$/m);
  if (hasPython3()) {
    expect(r.stdout).toMatch(
      /^\| seed 002 time server \(Python 3\) *\| +[\d,]+ \|.*\| +40 \| +0 \|$/m,
    );
    expect(r.stdout).toMatch(/^ours \/ seed 002: \d+\.\d\d× the round trips per second$/m);
    expect(r.stdout).toMatch(/^rounds: 1, ratio per round \d+\.\d\d×$/m);
  }
  const bad = await runToEnd(PKG, 'bench/main.ts', ['--senders', '0']);
  expect(bad.code).toBe(2);
});

test('bench --quick --json: one JSON document on stdout, with the rows and the comparison', async () => {
  // What `pnpm bench --quick` reads: stdout is one line of JSON and nothing else (progress
  // goes to stderr), with the load, a row per server, the ratio against the seed and its
  // goal, and the machine. A tiny load keeps it fast.
  const r = await runToEnd(
    PKG,
    'bench/main.ts',
    ['--quick', '--json', '--senders', '2', '--requests', '20', '--rounds', '2'],
    { timeoutMs: 30_000 },
  );
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/^udp-time bench: 2 senders × 20 .* 2 rounds per server/);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const doc = JSON.parse(lines[0] ?? '');
  expect(doc).toMatchObject({
    bench: 'udp-time',
    params: { senders: 2, requests: 20, rounds: 2 },
    machine: { cores: expect.any(Number), node: process.version },
  });
  expect(doc.rows[0]).toMatchObject({
    name: expect.stringMatching(/^udp-time \(Node /),
    figures: { answered: 80, lost: 0, 'round trips/s': expect.any(Number) },
  });
  if (hasPython3()) {
    expect(doc.rows).toHaveLength(2);
    expect(doc.comparisons[0]).toMatchObject({
      figure: 'round trips/s',
      row: doc.rows[0].name,
      anchor: doc.rows[1].name,
      ratio: expect.any(Number),
      goal: 0.9,
      met: expect.any(Boolean),
    });
    expect(doc.comparisons[0].ratio).toBeCloseTo(
      doc.rows[0].figures['round trips/s'] / doc.rows[1].figures['round trips/s'],
      9,
    );
  }
});
