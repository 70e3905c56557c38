// A TCP proxy is two sockets and a loop. A client connects to us; we connect to the server
// (--to) for it; then whatever arrives on one socket is written to the other, both ways,
// until each side has said it is done. Neither end can tell we are there, except by what
// we choose to do to the bytes on the way: that is what makes a proxy the place to make a
// network misbehave on demand. This file is the proxy, in the order things happen:
// accept, connect, relay, close. The faults sit in the write side of the relay
// (src/tcp-link.ts); with none, a write is a plain socket.write().
// Run: pnpm --filter fault-proxy start --to 127.0.0.1:8888    Poke: nc 127.0.0.1 8889
import net from 'node:net';
import { connectTcp, formatAddress, formatHostPort, formatPeer } from '@socket-lab/common';
import type { Faults } from './faults.js';
import { Link, type Outlet } from './tcp-link.js';
import type { Tally } from './trace.js';

export interface TcpProxyOptions {
  /** The server each client is forwarded to. */
  target: { host: string; port: number };
  faults: Faults;
  /** Counts and traces what happens, and logs the connection lines. */
  tally: Tally;
  /** How long connecting to the server may take (default: common's CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** How long a stalled connection is held before both sides are reset; 0 or none: forever. */
  idleTimeoutMs?: number;
}

/** A net.Server that proxies, and can close every connection it holds. */
export interface TcpProxy extends net.Server {
  /** Stops accepting, closes both sockets of every connection, resolves once closed. */
  shutdown(): Promise<void>;
}

/** Creates the proxy (not yet listening). Errors are logged per connection, never thrown. */
export function createTcpProxy(opts: TcpProxyOptions): TcpProxy {
  const { target, faults, tally, idleTimeoutMs: idleMs = 0 } = opts;
  const to = formatHostPort(target.host, target.port);
  const open = new Set<net.Socket>();
  let nextId = 1;

  // allowHalfOpen: when the client has finished sending (FIN), we pass the FIN on and keep
  // reading the server's answer. Without it Node would close our side at once and cut the
  // answer off. noDelay: forward each write now; Nagle's algorithm would hold small ones.
  const proxy = net.createServer({ allowHalfOpen: true, noDelay: true }, async (client) => {
    const id = nextId++;
    const from = formatPeer(client);
    keep(open, client);
    // A client that resets (RST) must not stop the proxy: every socket gets an error listener.
    client.on('error', (err) => tally.log(`client ${id}: ${describe(err)}`));

    // 1. The second socket: one connection to the server per client. Until it is up we do
    // not read the client, so its first bytes wait in the kernel, not in our memory.
    const server = await connectTcp({ ...target, noDelay: true, allowHalfOpen: true, ...timeout() })
      // Server down or unreachable: say so, and reset the client, the nearest thing to the
      // refusal it would have had without us. The proxy carries on.
      .catch((err: Error) => {
        tally.log(`client ${id} from ${from}: ${err.message}; resetting the client`);
        reset(client);
      });
    if (!server) return;
    if (client.destroyed) return void server.destroy(); // it gave up while we connected
    keep(open, server);
    const local = formatAddress(server.address() as net.AddressInfo);
    tally.log(`client ${id} connected from ${from}; upstream ${local} → ${to}`);

    // 2. The loop, once each way. Each direction writes through a Link, where the faults
    // happen; with none, Link.write() is socket.write().
    const record = tally.record;
    const toServer = new Link(server, { faults, direction: 'client→server', client: id, record });
    const toClient = new Link(client, { faults, direction: 'server→client', client: id, record });
    relay(client, toServer);
    relay(server, toClient);

    // A reset (or any error) on one side becomes a reset on the other, behind the bytes
    // already on their way to it, as if we were not there.
    server.on('error', (err) => {
      tally.log(`client ${id}: server side: ${describe(err)}`);
      toClient.reset();
    });
    client.on('error', () => toServer.reset());

    // 3. Faults that end a connection. A cut resets both sockets (RST), as a crashed host or
    // a firewall would. A stall forwards nothing more and closes nothing, as a hung server
    // (we stop reading, buffers fill, TCP's window closes) until --idle-timeout resets both.
    const resetBoth = () => [client, server].forEach(reset);
    toServer.on('cut', resetBoth);
    toServer.on('stall', () => {
      client.pause();
      server.pause();
      toClient.stall();
      client.setTimeout(idleMs, () => {
        tally.log(`client ${id}: stalled for ${idleMs / 1000} s (--idle-timeout): resetting both`);
        resetBoth();
      });
    });

    // 4. Each socket closes once both its directions are done (or it was reset).
    let closed = 0;
    const onClose = (link: Link) => () => {
      link.dispose();
      if (++closed < 2) return;
      tally.log(`client ${id} closed: ${toServer.bytes} B to the server, ${toClient.bytes} B back`);
    };
    client.on('close', onClose(toClient));
    server.on('close', onClose(toServer));
  });
  proxy.on('error', (err) => tally.log(`proxy error: ${err.message}`));

  const timeout = () =>
    opts.connectTimeoutMs === undefined ? {} : { timeoutMs: opts.connectTimeoutMs };
  const shutdown = async () => {
    const closing = new Promise((resolve) => proxy.close(resolve));
    const sockets = [...open].map((s) => new Promise((resolve) => s.once('close', resolve)));
    for (const socket of open) socket.destroy();
    await Promise.all([closing, ...sockets]);
  };
  return Object.assign(proxy, { shutdown });
}

/**
 * The loop: every chunk read from `from` is written to `to`. When `to` can take no more
 * (write() returns false: the bytes wait in memory), stop reading until it drains. The kernel
 * buffers fill, TCP tells the sender to wait: a slow reader slows the writer at the other end,
 * and the proxy's memory stays flat. The FIN is passed on too.
 */
function relay(from: net.Socket, to: Outlet): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}

/** Sends RST (SO_LINGER 0, then close): the peer's next read fails with ECONNRESET. */
function reset(socket: net.Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

/** Keeps `socket` in `open` until it closes, so that shutdown can find it. */
function keep(open: Set<net.Socket>, socket: net.Socket): void {
  open.add(socket);
  socket.once('close', () => open.delete(socket));
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNRESET') return 'connection reset (RST)';
  if (err.code === 'EPIPE') return 'closed while we were still writing to it (EPIPE)';
  return err.message;
}
