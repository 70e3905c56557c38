// Our programs against the seeds' own, ported to Python 3 (test/fixtures), as real peers:
// either side can be Python and the exchange is the same.
import { packageCli, SeedPrograms } from '@socket-lab/common/testing';
import { afterEach, describe, expect, test } from 'vitest';

const cli = packageCli(import.meta.url);
const seeds = new SeedPrograms(new URL('./fixtures/', import.meta.url));
// Ends what is still running: our --forever server, and the seed's servers that loop forever.
afterEach(() => {
  cli.killAll();
  seeds.killAll();
});

/** Runs a Python seed client against 127.0.0.1:`port`, to its end. */
const runSeedClient = (script: string, port: number) =>
  seeds.run(script, ['127.0.0.1', String(port)]);

describe.skipIf(!seeds.python)('with the Python seeds', () => {
  test('our client against the seed 000 server', async () => {
    const server = await seeds.serve('seed000_server.py', '127.0.0.1');
    const client = await cli.run('client', ['--port', String(server.port)]);
    expect(client).toMatchObject({ code: 0, stdout: 'the data received is byebye\n' });
    expect(await server.proc.waitForExit()).toBe(0);
    expect(server.proc.stdout).toMatch(/got connected from \('127\.0\.0\.1', \d+\)\nhihi\n$/);
  });

  test('the seed 000 client against our server', async () => {
    const server = await cli.start();
    const client = await runSeedClient('seed000_client.py', server.port);
    expect(client).toMatchObject({ code: 0, stdout: 'the data received is byebye\n' });
    expect(await server.proc.waitForExit()).toBe(0);
    expect(server.proc.stdout).toMatch(/\nhihi\n$/);
  });

  test('the seed 000 two-socket client against our --forever server', async () => {
    const server = await cli.start(['--forever']);
    const client = await runSeedClient('seed000_two_sockets_client.py', server.port);
    expect(client).toMatchObject({
      code: 0,
      stdout:
        'the data received is\n     hello I am server,welcome\n' +
        'the data received from server is\n    hello I am server,welcome\n',
    });
    await server.proc.waitFor(/\nclient send use sock2\n/);
    await server.proc.waitFor(/\nhihi I am client\n/);
  });

  test('our client (--sockets 2) against the seed 000 server that keeps accepting', async () => {
    const server = await seeds.serve('seed000_forever_server.py', '127.0.0.1');
    const client = await cli.run('client', ['--port', String(server.port), '--sockets', '2']);
    expect(client).toMatchObject({
      code: 0,
      stdout:
        '[socket 1] the data received is hello I am server,welcome\n' +
        '[socket 2] the data received is hello I am server,welcome\n',
    });
    await server.proc.waitFor(/\nhihi\n(?:[\s\S]*\n)?hihi\n/);
  });

  test('our client (--mode ask) against the seed 002 server', async () => {
    const server = await seeds.serve('seed002_server.py', '127.0.0.1');
    const client = await cli.run('client', ['--port', String(server.port), '--mode', 'ask']);
    expect(client).toMatchObject({
      code: 0,
      stdout: 'the data received is 不要回答,不要回答,不要回答\n',
    });
    await server.proc.waitFor(/\nyaoyao\n/);
  });

  test('the seed 002 client against our server (--mode ask)', async () => {
    const server = await cli.start(['--mode', 'ask']);
    const client = await runSeedClient('seed002_client.py', server.port);
    expect(client).toMatchObject({ code: 0, stdout: '不要回答,不要回答,不要回答\n' });
    expect(await server.proc.waitForExit()).toBe(0);
    expect(server.proc.stdout).toMatch(/\nyaoyao\n$/);
  });
});
