// `pnpm --filter tcp-basic demo`: server and client in one process on a free loopback port,
// playing seed 000's exchange, seed 002's, and seed 000's two-socket test against its second
// server (the one that keeps accepting). Each client line waits for the server line before
// it, so the story prints in the same order every time (only ports change).
import { once } from 'node:events';
import type net from 'node:net';
import {
  closeServer,
  exitQuietlyWhenStdoutCloses,
  listenTcp,
  trackConnections,
} from '@socket-lab/common';
import { type OpenExchange, openExchange, receivedLine } from '../client.js';
import { CLIENT_MESSAGES, FOREVER_GREETING, type Mode } from '../protocol.js';
import { createBasicServer } from '../server.js';

exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine

const HOST = '127.0.0.1';
const client = (line: string) => console.log(`  client │ ${line}`);
let logged: string[] = []; // the server's lines in this scene
let waiters: { text: string; count: number; resolve: () => void }[] = [];
const server = (line: string) => {
  console.log(`  server │ ${line}`);
  logged.push(line);
  const done = waiters.filter((w) => seen(w.text) >= w.count);
  waiters = waiters.filter((w) => !done.includes(w));
  for (const w of done) w.resolve();
};
const seen = (text: string) => logged.filter((line) => line === text).length;

/** Resolves once the server has logged `text` `count` times in this scene. */
function serverSaid(text: string, count: number): Promise<void> {
  if (seen(text) >= count) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ text, count, resolve }));
}

async function scene(title: string, mode: Mode, sockets: number, message?: string): Promise<void> {
  console.log(`\n${title}`);
  logged = [];
  const srv = createBasicServer({ mode, message, log: server });
  const open = trackConnections(srv);
  const { port } = (await listenTcp(srv, { host: HOST, port: 0, log: server })) as net.AddressInfo;
  const exchanges: OpenExchange[] = [];
  for (let i = 1; i <= sockets; i++) {
    const exchange = await openExchange({ host: HOST, port, mode });
    exchanges.push(exchange);
    await serverSaid(CLIENT_MESSAGES[mode], i); // the server has read what we sent
    const kept = i < sockets ? ' (this socket stays open)' : '';
    client(`${sockets > 1 ? `[socket ${i}] ` : ''}${receivedLine(exchange.data)}${kept}`);
  }
  if (sockets > 1) client(`closes socket ${sockets}, then socket 1, as the seed does`);
  const closed = [...open].map((socket) => once(socket, 'close'));
  for (const exchange of exchanges.reverse()) await exchange.close();
  await Promise.all(closed);
  await closeServer(srv, open);
}

console.log('tcp-basic: one connection, one exchange, then close (seeds 000 and 002)');
await scene(
  '1. greet (seed 000): the server speaks first, reads one recv(512), closes',
  'greet',
  1,
);
await scene('2. ask (seed 002): the client speaks first, the server answers and closes', 'ask', 1);
await scene(
  "3. two sockets open at once in one client program (seed 000), against the seed's second server (--forever)",
  'greet',
  2,
  FOREVER_GREETING,
);
