// The program as a user runs it: real processes (node --import tsx src/bin/…), port 0, the
// lines people read and tests parse, the summary on SIGTERM and SIGINT, --help, bad flags,
// a port in use, the demo. Each start costs about a second, so there are few of these.
import { runToEnd, startServer } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { cleanUp, connect, HOST, onCleanUp, readBytes, tcpEcho, udpSocket } from './helpers.js';

const PKG = new URL('..', import.meta.url);
afterEach(cleanUp);

test('TCP: the startup lines, an echo through it, and the summary on SIGTERM (exit 0)', async () => {
  // Checks the whole path a user takes, with the seed given so the output is fixed.
  const echo = await tcpEcho();
  const proxy = await startServer(PKG, 'src/bin/start.ts', [
    '--to',
    `${HOST}:${echo.port}`,
    '--seed',
    '5',
  ]);
  onCleanUp(() => proxy.proc.kill());
  const client = await connect(proxy.port);
  client.write('hello');
  expect((await readBytes(client, 5)).toString()).toBe('hello');
  client.end();
  await proxy.proc.waitFor(/client 1 closed: 5 B to the server, 5 B back\n/);
  expect(await proxy.proc.stop('SIGTERM')).toBe(0);
  expect(proxy.proc.stdout).toMatch(
    new RegExp(
      `^listening on 127\\.0\\.0\\.1:${proxy.port} \\(tcp\\)\\nforwarding to 127\\.0\\.0\\.1:${echo.port}\\nfaults: none; seed 5\\n`,
    ),
  );
  expect(proxy.proc.stdout).toMatch(
    /summary \(seed 5\):\n {2}client→server: 1 forwarded, 0 dropped, 0 duplicated, 0 reordered, 0 corrupted, 5 B\n {2}server→client: 1 forwarded, .*, 5 B\n$/,
  );
  expect(proxy.proc.stderr).toBe('');
});

test('UDP with --trace: each drop on its own line, a drawn seed printed, the summary on SIGINT', async () => {
  // Checks --udp, a fault, --trace lines and that a run without --seed says which seed it drew.
  const sink = await udpSocket();
  const proxy = await startServer(PKG, 'src/bin/start.ts', [
    ...['--udp', '--to', `${HOST}:${sink.address().port}`, '--loss', '100%', '--trace'],
  ]);
  onCleanUp(() => proxy.proc.kill());
  const client = await udpSocket();
  client.send('hello', proxy.port, HOST);
  client.send('again', proxy.port, HOST);
  await proxy.proc.waitFor(/drop #2 client→server 5 B \(client 1\)\n/);
  expect(await proxy.proc.stop('SIGINT')).toBe(0);
  const seed = /faults: loss 100%; seed (\d+)\n/.exec(proxy.proc.stdout)?.[1];
  expect(seed).toBeDefined();
  expect(proxy.proc.stdout).toContain('drop #1 client→server 5 B (client 1)\n');
  expect(proxy.proc.stdout).toContain(
    `summary (seed ${seed}):\n  client→server: 0 forwarded, 2 dropped, 0 duplicated, 0 reordered, 0 corrupted, 0 B\n`,
  );
});

test('--help lists every flag with its default', async () => {
  // Checks that --help documents each flag, and the defaults people rely on.
  const help = await runToEnd(PKG, 'src/bin/start.ts', ['--help']);
  expect(help.code).toBe(0);
  for (const flag of [
    ...['--host HOST', '--port PORT', '--to HOST:PORT', '--udp', '--loss P', '--duplicate P'],
    ...['--reorder P', '--corrupt P', '--delay SECONDS', '--jitter SECONDS', '--rate BYTES'],
    ...['--split N', '--cut-after BYTES', '--stall-after BYTES', '--seed N', '--trace'],
    ...['--idle-timeout SECONDS', '--help'],
  ]) {
    expect(help.stdout).toContain(flag);
  }
  expect(help.stdout).toMatch(/--port PORT .*\(default 8889; env PORT\)/);
  expect(help.stdout).toMatch(/--loss P .*\(default 0\)/);
  expect(help.stdout).toMatch(/--idle-timeout SECONDS .*\(default 60\)/);
});

test('bad flags are one line and exit 2; a port in use is one line and exit 1', async () => {
  // Checks the CLI contract for mistakes, all at once.
  const taken = await udpSocket();
  const [badP, zeroSplit, noTo, inUse] = await Promise.all([
    runToEnd(PKG, 'src/bin/start.ts', ['--to', '9', '--udp', '--loss', '1.5']),
    runToEnd(PKG, 'src/bin/start.ts', ['--to', '9', '--split', '0']),
    runToEnd(PKG, 'src/bin/start.ts', []),
    runToEnd(PKG, 'src/bin/start.ts', [
      '--to',
      '9',
      '--udp',
      '--port',
      String(taken.address().port),
    ]),
  ]);
  expect(badP).toMatchObject({ code: 2, stdout: '' });
  expect(badP.stderr).toBe(
    'fault-proxy start: --loss must be a probability from 0 to 1, such as 0.3 or 30% (got "1.5") (see --help)\n',
  );
  expect(zeroSplit).toMatchObject({ code: 2, stdout: '' });
  expect(zeroSplit.stderr).toMatch(
    /^fault-proxy start: --split must be a whole number from 1 to \d+ \(got "0"\) \(see --help\)\n$/,
  );
  expect(noTo).toMatchObject({ code: 2, stdout: '' });
  expect(noTo.stderr).toBe(
    'fault-proxy start: --to HOST:PORT is required: the server to forward to (see --help)\n',
  );
  expect(inUse.code).toBe(1);
  expect(inUse.stderr).toMatch(
    /^fault-proxy start: cannot bind 127\.0\.0\.1:\d+ \(udp\): address already in use.*\n$/,
  );
});

test('the demo plays every scene, the same on every run (seed 7), and exits 0', async () => {
  // Checks that the demo runs clean and that what it promises the learner is what happens.
  const demo = await runToEnd(PKG, 'src/bin/demo.ts', [], { timeoutMs: 30_000 });
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
  const out = demo.stdout;
  expect(out).toContain(
    '  proxy  │ drop #1 client→server 6 B (client 1)\n  client │ ping 1: lost on the way there\n',
  );
  expect(out).toContain('  client │ ping 4: echoed\n');
  expect(out).toContain('  server │ got  2 1 3 3 4 5 6 6 7 8 9 10 10\n');
  expect(out.match(/server │ read {2}7 bytes: /g)?.length).toBe(5);
  expect(Number(/through --delay 0\.1: ([\d.]+) ms/.exec(out)?.[1])).toBeGreaterThanOrEqual(200);
  expect(out).toContain('cut after 1000 B client→server: reset both connections (client 1)');
  expect(out).toContain('  server │ got 1000 bytes, then a reset (ECONNRESET)\n');
  expect(out).toContain('  client │ read failed: ECONNRESET\n');
});
