// `pnpm --filter tcp-basic demo`: server and client in one process on a free loopback port,
// playing seed 000's exchange, seed 002's, and seed 000's two-socket test, one after another.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  closeServer,
  exitQuietlyWhenStdoutCloses,
  listenTcp,
  trackConnections,
} from '@socket-lab/common';
import { exchangeOnce, receivedLine } from '../client.js';
import type { Mode } from '../protocol.js';
import { createBasicServer } from '../server.js';

exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine

const HOST = '127.0.0.1';
const server = (line: string) => console.log(`  server │ ${line}`);
const client = (line: string) => console.log(`  client │ ${line}`);

async function scene(title: string, mode: Mode, sockets: number): Promise<void> {
  console.log(`\n${title}`);
  const srv = createBasicServer({ mode, log: server });
  const open = trackConnections(srv);
  const { port } = (await listenTcp(srv, { host: HOST, port: 0, log: server })) as AddressInfo;
  for (let i = 1; i <= sockets; i++) {
    const data = await exchangeOnce({ host: HOST, port, mode });
    client(sockets > 1 ? `[socket ${i}] ${receivedLine(data)}` : receivedLine(data));
    // Wait until the server has closed this connection, so its log line comes first.
    await Promise.all([...open].map((socket) => once(socket, 'close')));
  }
  await closeServer(srv, open);
}

console.log('tcp-basic: one connection, one exchange, then close (seeds 000 and 002)');
await scene(
  '1. greet (seed 000): the server speaks first, reads one recv(512), closes',
  'greet',
  1,
);
await scene('2. ask (seed 002): the client speaks first, the server answers and closes', 'ask', 1);
await scene('3. two sockets from one client program, one after the other (seed 000)', 'greet', 2);
