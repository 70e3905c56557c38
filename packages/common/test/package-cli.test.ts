// packageCli: a package's programs (src/bin/NAME.ts) started by name, as its tests do, with
// a fixture package (test/fixtures/package) standing in for one.
import { existsSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { packageCli } from '../src/testing.js';

const cli = packageCli(new URL('./fixtures/package/test/cli.test.ts', import.meta.url));
afterEach(() => cli.killAll());

test('the package folder is the one above test/', () => {
  expect(cli.dir.href).toBe(new URL('./fixtures/package/', import.meta.url).href);
});

test('start: src/bin/start.ts on port 0, resolved with the port it printed; SIGTERM exits 0', async () => {
  const server = await cli.start();
  expect(server.host).toBe('127.0.0.1');
  expect(server.port).toBeGreaterThan(0);
  expect(await server.proc.stop('SIGTERM')).toBe(0);
});

test('killAll ends every program still running, and only once', async () => {
  const [a, b] = await Promise.all([cli.start(), cli.start()]);
  cli.killAll();
  expect((await a.proc.exited).signal).toBe('SIGKILL');
  expect((await b.proc.exited).signal).toBe('SIGKILL');
  cli.killAll(); // nothing left: no error
});

test('run: a program to its end; an unknown flag is one line and exit 2', async () => {
  const run = await cli.run('start', ['--bogus']);
  expect(run).toMatchObject({ code: 2, stdout: '' });
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
});

test('startOnPortInUse: the server on a port already taken exits 1', async () => {
  const { code, stderr, port } = await cli.startOnPortInUse();
  expect(code).toBe(1);
  expect(stderr).toContain(`127.0.0.1:${port}`);
});

test.skipIf(!existsSync('/proc/self/limits'))(
  'ulimit: the program runs under the limit asked for, as one process',
  async () => {
    const run = await cli.run('limits', [], { ulimit: '-n 64' });
    expect(run).toMatchObject({ code: 0, stdout: '64\n', stderr: '' });
    const server = await cli.start([], { ulimit: '-n 64' });
    expect(await server.proc.stop('SIGTERM')).toBe(0); // the signal reached node, not a shell
  },
);
