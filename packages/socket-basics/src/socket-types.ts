// Seed 004's socket types, run live. The type says how bytes travel. SOCK_STREAM (TCP,
// Node's `net`): a connection first, then a stream of bytes with no boundaries, so two
// writes may come out as one read. SOCK_DGRAM (UDP, Node's `dgram`): no connection; each
// send() is one message that arrives whole or not at all, with its sender's address
// (Python's recvfrom). SOCK_RAW: whole IP packets you build yourself (ping's ICMP).
// Node has no raw sockets. libuv, its I/O layer, offers TCP, UDP and pipes, which work
// alike on every OS; raw sockets need root (CAP_NET_RAW) and differ per OS, so Node leaves
// them to native add-ons. Python has them, because it wraps the C socket() call directly.
import dgram from 'node:dgram';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { formatHostPort } from '@socket-lab/common';
import type { Say } from './association.js';
import { spawnPython } from './system.js';

/** How long to wait for two datagrams on loopback before calling them lost. */
const DATAGRAM_WAIT_MS = 5_000;

/** What `showSocketTypes` saw. `pythonRaw` is null without python3. */
export interface TypeFacts {
  streamReads: number[];
  datagrams: { size: number; from: string }[];
  nodeRaw: string;
  pythonRaw: string | null;
}

/** Demo step: two 5-byte sends over a stream, then over datagrams; then ask for a raw socket. */
export async function showSocketTypes(say: Say): Promise<TypeFacts> {
  const streamReads = await streamTwice();
  say(`SOCK_STREAM (net):   2 writes of 5 bytes → reads of [${streamReads}] bytes: no boundaries`);
  const datagrams = await datagramTwice();
  const shown = datagrams.map((d) => `${d.size} from ${d.from}`).join(', ');
  say(`SOCK_DGRAM  (dgram): 2 sends of 5 bytes → ${datagrams.length} messages: ${shown}`);

  // Ask Node for a raw socket: the type list is 'udp4' and 'udp6', and nothing else.
  let nodeRaw = 'created';
  try {
    dgram.createSocket('raw' as 'udp4').close();
  } catch (err) {
    nodeRaw = (err as NodeJS.ErrnoException).code ?? String(err);
  }
  say(`SOCK_RAW    (node):  dgram.createSocket('raw') → ${nodeRaw}: no raw sockets in Node`);
  const pythonRaw = await pythonRawSocket();
  const who = `uid ${process.getuid?.() ?? '?'}`;
  if (pythonRaw === null) say('SOCK_RAW    (python3): python3 not found, skipped');
  else
    say(`SOCK_RAW    (python3): socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) as ${who} → ${pythonRaw}`);
  return { streamReads, datagrams, nodeRaw, pythonRaw };
}

// Two writes right after each other; the reader counts its reads until the writer's FIN.
async function streamTwice(): Promise<number[]> {
  const reads: number[] = [];
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => reads.push(chunk.length));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'connect');
  client.write('hello');
  client.end('world');
  const [socket] = await accepted;
  await once(socket, 'end');
  server.close();
  return reads;
}

// Two datagrams to a bound UDP socket; each 'message' is one recvfrom(): data and sender.
async function datagramTwice(): Promise<TypeFacts['datagrams']> {
  const receiver = dgram.createSocket('udp4');
  const sender = dgram.createSocket('udp4');
  receiver.bind(0, '127.0.0.1');
  await once(receiver, 'listening');
  const got: TypeFacts['datagrams'] = [];
  const done = new Promise<void>((resolve) => {
    const lost = setTimeout(resolve, DATAGRAM_WAIT_MS); // UDP promises nothing: stop waiting
    receiver.on('message', (data, rinfo) => {
      got.push({ size: data.length, from: formatHostPort(rinfo.address, rinfo.port) });
      if (got.length < 2) return;
      clearTimeout(lost);
      resolve();
    });
  });
  const { port } = receiver.address();
  sender.send('hello', port, '127.0.0.1');
  sender.send('world', port, '127.0.0.1');
  await done;
  sender.close();
  receiver.close();
  return got;
}

// Python's socket module calls socket(2) itself, so it can ask; the kernel decides.
async function pythonRawSocket(): Promise<string | null> {
  const peer = await spawnPython('raw_socket.py', []);
  if (!peer) return null;
  await peer.exited;
  return peer.output().trim() || 'no answer';
}
