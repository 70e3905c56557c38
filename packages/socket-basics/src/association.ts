// Start here. Seed 004's first lesson, run live: what names a TCP connection.
// A listening socket is known by three things, (protocol, address, port): the seed's "half
// association" (半相关). A connection is known by five, (protocol, local address, local port,
// remote address, remote port): the "full association" (全相关). Both ends see the same five,
// mirrored: the client's local half is the server's remote half. Python asks a socket with
// getsockname() and getpeername(); Node keeps the answers on the socket (localAddress,
// localPort, remoteAddress, remotePort) and on the server (server.address()).
// This file prints both ends of one live connection, and what the kernel itself lists (`ss`).
// Run: pnpm --filter socket-basics start    then: pnpm --filter socket-basics client
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { formatAddress, formatHostPort, previewBytes } from '@socket-lab/common';
import { readSomaxconn, type SsSocket, ssOfConnection } from './system.js';

/** The seeds' listen(5): how many connections may wait for accept(). */
export const SEED_BACKLOG = 5;

/** One end's view of a connection: (protocol, local address:port, remote address:port). */
export interface Association {
  protocol: 'tcp';
  local: string;
  remote: string;
  localPort: number;
  remotePort: number;
}

/** A line for the log; the lessons print through it, the tests record it. */
export type Say = (line: string) => void;

/** The half association of a listening server, `(tcp, 127.0.0.1:7000)`. */
export function halfAssociation(server: net.Server): string {
  return `(tcp, ${formatAddress(server.address() as AddressInfo)})`;
}

/**
 * The full association as seen from `socket`'s end: getsockname() gives the local half,
 * getpeername() the remote one. Throws if the socket is not (or no longer) connected.
 */
export function associationOf(socket: net.Socket): Association {
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (!localAddress || !localPort || !remoteAddress || !remotePort) {
    throw new Error('not a connected TCP socket');
  }
  return {
    protocol: 'tcp',
    local: formatHostPort(localAddress, localPort),
    remote: formatHostPort(remoteAddress, remotePort),
    localPort,
    remotePort,
  };
}

/** `(tcp, 127.0.0.1:53422, 127.0.0.1:7000)`: the seed's five-tuple, local half first. */
export function formatAssociation(a: Association): string {
  return `(${a.protocol}, ${a.local}, ${a.remote})`;
}

/**
 * An echo server that says, for each connection it accepts, the full association from its
 * end. Not listening yet: the caller listens (on a port, or on a path for AF_UNIX).
 */
export function createAssociationServer(say: Say): net.Server {
  let nextId = 1;
  const server = net.createServer((socket) => {
    const id = nextId++;
    // accept() gave us a new socket for this one client; the listening socket keeps its half
    // association and goes on waiting. An AF_UNIX connection has no addresses to show.
    const seen = socket.remoteAddress ? formatAssociation(associationOf(socket)) : '(unix)';
    say(`#${id} accepted ${seen}`);
    socket.on('error', (err) => say(`#${id} ${err.message}`));
    socket.on('data', (chunk) => {
      say(`#${id} echo ${chunk.length} bytes: ${previewBytes(chunk)}`);
      // A client that sends and never reads would fill our memory: stop reading until the
      // echo has drained (src/backpressure.ts shows why).
      if (!socket.write(chunk)) socket.pause();
    });
    socket.on('drain', () => socket.resume());
    socket.on('close', () => say(`#${id} closed`));
  });
  server.on('error', (err) => say(`server: ${err.message}`));
  return server;
}

/** What `showAssociation` saw: the two views and the kernel's list (null without `ss`). */
export interface AssociationFacts {
  half: string;
  server: Association;
  client: Association;
  ss: SsSocket[] | null;
}

/**
 * Demo step: one connection on 127.0.0.1, port 0, described from both ends and matched
 * against `ss -tan`. Closes everything it opened before it returns.
 */
export async function showAssociation(say: Say): Promise<AssociationFacts> {
  // listen(5), as the seeds do: at most 5 connections may wait for accept(). Node asks
  // for 511 unless told; the kernel caps either at its somaxconn setting.
  const server = createAssociationServer(() => {});
  server.listen({ port: 0, host: '127.0.0.1', backlog: SEED_BACKLOG });
  await once(server, 'listening');
  const half = halfAssociation(server);
  say(`server listens: half association ${half}`);

  // connect() is where the client gets its own address and port, chosen by the kernel.
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', (err) => say(`client: ${err.message}`));
  await once(client, 'connect');
  const [serverSide] = await accepted;

  const fromServer = associationOf(serverSide);
  const fromClient = associationOf(client);
  say(`server's end:  ${formatAssociation(fromServer)}   (local = the port it listens on)`);
  say(`client's end:  ${formatAssociation(fromClient)}   (local = a port the kernel picked)`);
  const mirrored = fromServer.local === fromClient.remote && fromServer.remote === fromClient.local;
  say(`mirror images: ${mirrored ? 'yes' : 'NO'}: the client's local half is the server's remote`);

  // The kernel's own table for this port: a LISTEN line (the half association) and one ESTAB
  // line per end. `ss` is Linux's iproute2; elsewhere `netstat -an` shows the same.
  const ss = await ssOfConnection(fromServer.localPort, [fromServer, fromClient]);
  if (!ss) say('ss: not available here (it is Linux iproute2), skipped; try `netstat -an`');
  for (const s of ss ?? [])
    say(`ss -tan:       ${s.state.padEnd(7)} local ${s.local}  peer ${s.peer}`);
  const listener = ss?.find((s) => s.state === 'LISTEN');
  const cap = await readSomaxconn();
  const capped = cap ? `; the kernel caps it at ${cap.value} (${cap.source})` : '';
  if (listener) say(`backlog:       ss shows ${listener.sendQ} for LISTEN (Send-Q)${capped}`);

  client.destroy();
  serverSide.destroy();
  server.close();
  return { half, server: fromServer, client: fromClient, ss };
}
