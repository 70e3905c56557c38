// Wire compatibility with seed 001, Python 3 ports of its programs run as real peers: the
// seed's client (three at once) against our server, two of them against our one-at-a-time
// server, and our client against the seed's blocking server and its ThreadingTCPServer.
import {
  type CliProcess,
  hasPython3,
  spawnProgram,
  waitForListening,
} from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { EchoConnection, runEchoClient } from '../src/client.js';
import { HOST, startEcho } from './helpers.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const python = hasPython3();
if (!python)
  console.warn('python3 not found: the interop tests with the seed programs are skipped');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function runPython(script: string, args: string[], keepStdinOpen = false): CliProcess {
  const proc = spawnProgram('python3', [script, ...args], FIXTURES, { keepStdinOpen });
  cleanups.push(() => proc.kill());
  return proc;
}

async function startPythonServer(script: string): Promise<number> {
  const { port } = await waitForListening(runPython(script, [HOST, '0'], true));
  return port;
}

test.skipIf(!python)('three seed clients at once against our server', async () => {
  const { server, port, log } = await startEcho();
  cleanups.push(() => server.shutdown(0));
  const clients = [1, 2, 3].map(() => runPython('seed001_client.py', [HOST, String(port)], true));
  await log.waitFor(/\(3 online\)/); // all three connected before any of them speaks
  for (const [i, client] of clients.entries()) client.child.stdin?.write(`hello from ${i + 1}\n`);
  for (const [i, client] of clients.entries()) {
    await client.waitFor(new RegExp(`hello from ${i + 1}\\n`)); // the echo, printed by the seed
  }
  for (const client of clients) client.child.stdin?.end('exit\n');
  for (const client of clients) {
    expect(await client.waitForExit()).toBe(0);
    expect(client.stdout).toMatch(/^Hello World!\n\n请输入发送的消息:hello from \d\n/);
  }
  await log.waitFor(/disconnected: said exit, 12 bytes echoed/, 3);
});

test.skipIf(!python)(
  'two seed clients against --one-at-a-time: the second waits its turn',
  async () => {
    // As against the seed's own blocking server: the second client is connected, but its
    // recv() gets nothing, not even the greeting, until the first has said exit.
    const { server, port, log } = await startEcho({ oneAtATime: true });
    cleanups.push(() => server.shutdown(0));
    const first = runPython('seed001_client.py', [HOST, String(port)], true);
    await first.waitFor(/^连接成功\n\n请输入发送的消息:/);
    const second = runPython('seed001_client.py', [HOST, String(port)], true);
    await log.waitFor(/waits: connected, not served until the client before it leaves/);
    second.child.stdin?.write('second\n'); // typed ahead: it waits in the client's stdin
    first.child.stdin?.write('first\n');
    await first.waitFor(/first\n/); // the echo, printed by the seed client
    expect(second.stdout).toBe(''); // still blocked in its first recv()
    first.child.stdin?.end('exit\n');
    expect(await first.waitForExit()).toBe(0);
    await second.waitFor(/^连接成功\n\n请输入发送的消息:second\n/);
    second.child.stdin?.end('exit\n');
    expect(await second.waitForExit()).toBe(0);
    await log.waitFor(/client #2 disconnected: said exit, 6 bytes echoed/);
  },
);

test.skipIf(!python)('our client against the seed blocking server, twice in a row', async () => {
  // It serves one client at a time: the second session starts when the first said exit.
  const port = await startPythonServer('seed001_blocking_server.py');
  for (const text of ['first', '第二']) {
    const printed: string[] = [];
    await runEchoClient({ host: HOST, port }, toLines([text, 'exit']), (l) => printed.push(l));
    expect(printed.slice(1)).toEqual(['greeting: 连接成功', `echo: ${text}`, 'bye']);
  }
});

test.skipIf(!python)('two of our clients at once against the seed ThreadingTCPServer', async () => {
  const port = await startPythonServer('seed001_threading_server.py');
  const a = await EchoConnection.open({ host: HOST, port });
  const b = await EchoConnection.open({ host: HOST, port });
  expect(a.greeting.toString()).toBe('Hello World!');
  // Interleaved: a, b, a, b. Each line is under 1024 bytes, the seed's one recv().
  for (const [conn, text] of [
    [a.conn, 'from a'],
    [b.conn, 'from b'],
    [a.conn, 'a'.repeat(1000)],
    [b.conn, '你好'],
  ] as const) {
    expect((await conn.echo(text)).toString()).toBe(text);
  }
  await Promise.all([a.conn.exit(), b.conn.exit()]);
});

async function* toLines(lines: string[]) {
  yield* lines;
}
