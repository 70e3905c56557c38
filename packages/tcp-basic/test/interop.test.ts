// Our programs against the seeds' own, ported to Python 3 (test/fixtures), as real peers:
// either side can be Python and the exchange is the same.
import {
  hasPython3,
  runToEnd,
  spawnProgram,
  startServer,
  waitForListening,
} from '@socket-lab/common/testing';
import { describe, expect, test } from 'vitest';

const PKG = new URL('..', import.meta.url);
const FIXTURES = new URL('./fixtures/', import.meta.url);
const python = hasPython3();
if (!python) console.warn('python3 not found: skipping the interop tests with the Python seeds');

/** Runs a Python seed program to its end. */
async function runPython(script: string, port: number) {
  const proc = spawnProgram('python3', [script, '127.0.0.1', String(port)], FIXTURES);
  const code = await proc.waitForExit();
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

describe.skipIf(!python)('with the Python seeds', () => {
  test('our client against the seed 000 server', async () => {
    const server = await waitForListening(
      spawnProgram('python3', ['seed000_server.py', '127.0.0.1', '0'], FIXTURES),
    );
    const client = await runToEnd(PKG, 'src/bin/client.ts', ['--port', String(server.port)]);
    expect(client).toMatchObject({ code: 0, stdout: 'the data received is byebye\n' });
    expect(await server.proc.waitForExit()).toBe(0);
    expect(server.proc.stdout).toMatch(/got connected from \('127\.0\.0\.1', \d+\)\nhihi\n$/);
  });

  test('the seed 000 client against our server', async () => {
    const server = await startServer(PKG, 'src/bin/start.ts');
    const client = await runPython('seed000_client.py', server.port);
    expect(client).toMatchObject({ code: 0, stdout: 'the data received is byebye\n' });
    expect(await server.proc.waitForExit()).toBe(0);
    expect(server.proc.stdout).toMatch(/\nhihi\n$/);
  });

  test('the seed 000 two-socket client against our --forever server', async () => {
    const server = await startServer(PKG, 'src/bin/start.ts', ['--forever']);
    try {
      const client = await runPython('seed000_two_sockets_client.py', server.port);
      expect(client).toMatchObject({
        code: 0,
        stdout:
          'the data received is\n     hello I am server,welcome\n' +
          'the data received from server is\n    hello I am server,welcome\n',
      });
      await server.proc.waitFor(/\nclient send use sock2\n/);
      await server.proc.waitFor(/\nhihi I am client\n/);
    } finally {
      server.proc.kill();
    }
  });

  test('our client (--sockets 2) against the seed 000 server that keeps accepting', async () => {
    const server = await waitForListening(
      spawnProgram('python3', ['seed000_forever_server.py', '127.0.0.1', '0'], FIXTURES),
    );
    try {
      const client = await runToEnd(PKG, 'src/bin/client.ts', [
        '--port',
        String(server.port),
        '--sockets',
        '2',
      ]);
      expect(client).toMatchObject({
        code: 0,
        stdout:
          '[socket 1] the data received is hello I am server,welcome\n' +
          '[socket 2] the data received is hello I am server,welcome\n',
      });
      await server.proc.waitFor(/\nhihi\n(?:[\s\S]*\n)?hihi\n/);
    } finally {
      server.proc.kill(); // the seed's server loops forever
    }
  });

  test('our client (--mode ask) against the seed 002 server', async () => {
    const server = await waitForListening(
      spawnProgram('python3', ['seed002_server.py', '127.0.0.1', '0'], FIXTURES),
    );
    try {
      const client = await runToEnd(PKG, 'src/bin/client.ts', [
        '--port',
        String(server.port),
        '--mode',
        'ask',
      ]);
      expect(client).toMatchObject({
        code: 0,
        stdout: 'the data received is 不要回答,不要回答,不要回答\n',
      });
      await server.proc.waitFor(/\nyaoyao\n/);
    } finally {
      server.proc.kill(); // the seed's server loops forever
    }
  });

  test('the seed 002 client against our server (--mode ask)', async () => {
    const server = await startServer(PKG, 'src/bin/start.ts', ['--mode', 'ask']);
    const client = await runPython('seed002_client.py', server.port);
    expect(client).toMatchObject({ code: 0, stdout: '不要回答,不要回答,不要回答\n' });
    expect(await server.proc.waitForExit()).toBe(0);
    expect(server.proc.stdout).toMatch(/\nyaoyao\n$/);
  });
});
