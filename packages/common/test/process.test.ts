// The parts that only show in a real process: SIGTERM stops a server with clients
// connected and exits 0; piped stdin gives lines until EOF with no prompt.
import { once } from 'node:events';
import net from 'node:net';
import { expect, test } from 'vitest';
import { runToEnd, startServer } from '../src/testing.js';

const HERE = new URL('.', import.meta.url);

test('SIGTERM closes the server and its open connections, exit code 0', async () => {
  const server = await startServer(HERE, 'fixtures/serve.ts');
  const client = net.connect(server.port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'data'); // connected and greeted: a live connection the server must end
  const ended = once(client, 'end');
  expect(await server.proc.stop('SIGTERM')).toBe(0);
  await ended; // the server said goodbye with a FIN, not a reset
  expect(server.proc.stdout).toMatch(/stopped\n$/);
  client.destroy();
});

test('SIGINT (Ctrl+C) stops it the same way', async () => {
  const server = await startServer(HERE, 'fixtures/serve.ts');
  expect(await server.proc.stop('SIGINT')).toBe(0);
});

test('readLines yields piped lines until EOF, without the prompt, \\r\\n and a last line without \\n', async () => {
  const { code, stdout } = await runToEnd(HERE, 'fixtures/lines.ts', [], {
    input: 'a\r\nb\n\nlast',
  });
  expect(code).toBe(0);
  expect(stdout).toBe('"a"\n"b"\n""\n"last"\neof\n');
});
