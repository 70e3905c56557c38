// The Python 3 ports of the seed programs (test/fixtures/), unchanged, on both sides of the
// proxy: seed 002's UDP client and server, seed 001's TCP client and threaded server. Neither
// side can tell the proxy is there, until it misbehaves.
import { SeedPrograms } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { cleanUp, HOST, startProxy } from './helpers.js';

const seeds = new SeedPrograms(new URL('./fixtures/', import.meta.url));

afterEach(async () => {
  seeds.killAll();
  await cleanUp();
});

test.skipIf(!seeds.python)("seed 002's UDP client and server talk through the proxy", async () => {
  // Checks UDP interop: the answers come back upper-cased, and from the proxy's address.
  const server = await seeds.serve('seed002_udp_server.py', HOST);
  const { proxy } = await startProxy({ to: { host: HOST, port: server.port }, udp: true });
  const client = await seeds.run('seed002_udp_client.py', [HOST, String(proxy.port)], {
    input: 'hello\nthrough a proxy\n',
  });
  expect(client.code).toBe(0);
  expect(client.stdout).toBe(
    `>>: HELLO ('127.0.0.1', ${proxy.port})\n>>: THROUGH A PROXY ('127.0.0.1', ${proxy.port})\n>>: `,
  );
  // The seed server saw the proxy's upstream socket, not the client.
  await server.proc.waitFor(/b'through a proxy' \('127\.0\.0\.1', \d+\)/);
});

test.skipIf(!seeds.python)(
  "seed 001's TCP client and threaded server talk through the proxy, with --delay",
  async () => {
    // Checks TCP interop: the greeting, an echo and exit, each 50 ms late each way.
    const server = await seeds.serve('seed001_threading_server.py', HOST);
    const { proxy, log } = await startProxy({
      to: { host: HOST, port: server.port },
      faults: { delayMs: 50 },
    });
    const client = seeds.spawn('seed001_client.py', [HOST, String(proxy.port)], {
      keepStdinOpen: true,
    });
    await client.waitFor(/Hello World!\n/);
    client.child.stdin?.write('hello through the proxy\n');
    await client.waitFor(/hello through the proxy\n/);
    client.child.stdin?.end('exit\n');
    expect(await client.waitForExit()).toBe(0);
    expect(client.stdout).toBe(
      'Hello World!\n请输入发送的消息:hello through the proxy\n请输入发送的消息:',
    );
    await log.waitFor(/^client 1 closed: 27 B to the server, 35 B back$/);
  },
);
