// The exchange itself, in-process on port 0: both orders of talking, and the edge cases
// the seed never met (a silent client, a client that sends more than one recv takes).
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { exchangeOnce } from '../src/client.js';
import { createBasicServer, type Mode } from '../src/server.js';

let server: net.Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

async function start(mode: Mode, extra: { readTimeoutMs?: number } = {}) {
  const lines: string[] = [];
  server = createBasicServer({ mode, log: (line) => lines.push(line), ...extra });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { port, lines };
}

/** Resolves once the server has logged `count` lines. */
async function linesAfter(lines: string[], count: number): Promise<string[]> {
  while (lines.length < count) await new Promise((resolve) => setImmediate(resolve));
  return lines;
}

test('greet: the server sends byebye first and prints the reply (seed 000)', async () => {
  const { port, lines } = await start('greet');
  const data = await exchangeOnce({ host: '127.0.0.1', port });
  expect(data.toString()).toBe('byebye');
  expect(await linesAfter(lines, 2)).toEqual([expect.stringMatching(/^got connected from 127\.0\.0\.1:\d+$/), 'hihi']);
});

test('ask: the client speaks first and the server answers, then closes (seed 002)', async () => {
  const { port, lines } = await start('ask');
  const data = await exchangeOnce({ host: '127.0.0.1', port, mode: 'ask' });
  expect(data.toString()).toBe('不要回答,不要回答,不要回答');
  expect((await linesAfter(lines, 2))[1]).toBe('yaoyao');
});
