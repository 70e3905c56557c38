// The UDP proxy. UDP has no connections to accept, so the proxy makes its own: each client
// address that sends us a datagram gets a socket of its own towards the server, and what the
// server sends back on that socket goes to that client. A client silent for --idle-timeout is
// forgotten, as a NAT box forgets a flow. Then each datagram, in each direction, meets the
// faults on its own (src/faults.ts decides): dropped, copied, held back behind the next one,
// a bit flipped, delayed. The TCP proxy (src/proxy.ts) is the same idea with streams.
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { formatAddress, formatHostPort } from '@socket-lab/common';
import { Alarm } from './alarm.js';
import { type Direction, datagramRandom, decideDatagram, type Faults, flipBit } from './faults.js';
import type { Tally } from './trace.js';

/**
 * 60 s without a datagram either way, then a client's upstream socket is closed. NAT boxes
 * forget a UDP flow after 30 to 180 s (Linux conntrack: 30 s unanswered, 120 s answered);
 * a real proxy must forget too, or every client that ever sent one datagram keeps a socket.
 */
export const IDLE_TIMEOUT_MS = 60_000;

/**
 * A datagram held back by --reorder goes out after the next one, or after 1 s if none comes:
 * a flow that stops would otherwise turn the last reordered datagram into a loss.
 */
export const REORDER_HOLD_MS = 1_000;

/**
 * At most 1,000 datagrams wait (delayed or held) per client and direction, as netem's default
 * `limit`; more are dropped, as a router's full queue drops them. A fast sender behind
 * --delay must not fill the proxy's memory.
 */
export const MAX_WAITING_DATAGRAMS = 1_000;

/**
 * And at most 16 MiB waits in the whole proxy, every client and direction together: a
 * thousand clients behind --delay, or a few sending 64 KiB datagrams, drop the excess
 * ('queue full') instead of growing the proxy without end.
 */
export const MAX_WAITING_BYTES = 16 * 1024 * 1024;

export interface UdpProxyOptions {
  /** The server: an IP address (resolved once, at start), its family, and the port. */
  target: { address: string; family: 4 | 6; port: number };
  faults: Faults;
  seed: number;
  /** Forget a client silent this long (default IDLE_TIMEOUT_MS); 0 = never. */
  idleTimeoutMs?: number;
  tally: Tally;
}

export interface UdpProxy {
  /** Clients with an upstream socket now. */
  readonly clients: number;
  /** Closes every upstream socket and the proxy's own; drops what was waiting. */
  close(): Promise<void>;
}

/** A datagram on its way out, and how many copies of it to send. */
interface Outgoing {
  data: Buffer;
  n: number;
  copies: 1 | 2;
}

/** One direction of one client. */
interface Path {
  direction: Direction;
  /** Datagrams seen so far; the next is number n + 1. */
  n: number;
  /** Datagrams delayed or held, not yet sent. */
  waiting: number;
  /** Held by --reorder until the next datagram goes out. */
  held: Outgoing[];
  holdTimer: NodeJS.Timeout | undefined;
  send: (data: Buffer) => void;
}

interface Client {
  id: number;
  /** The key in the proxy's table of clients: address and port. */
  key: string;
  from: string;
  upstream: dgram.Socket;
  /** Datagrams from the client that came before its upstream socket was connected. */
  backlog: Buffer[] | null;
  paths: Record<Direction, Path>;
  /** Delayed datagrams' alarms, each with what un-counts its datagrams when the client is forgotten. */
  alarms: Map<Alarm, () => void>;
  idle: NodeJS.Timeout | undefined;
  closed: boolean;
}

/**
 * Makes the bound socket `listen` a proxy to `opts.target`. The caller keeps `listen` and
 * gets it closed by close().
 */
export function serveUdpProxy(listen: dgram.Socket, opts: UdpProxyOptions): UdpProxy {
  const { target, faults, seed, tally } = opts;
  const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const to = formatHostPort(target.address, target.port);
  const clients = new Map<string, Client>();
  let nextId = 1;
  let stopping = false;
  /** Bytes of every datagram delayed or held, all clients together. */
  let waitingBytes = 0;
  // With no UDP fault at all, a datagram needs no decision: it is counted and sent on.
  const plain =
    faults.loss === 0 &&
    faults.duplicate === 0 &&
    faults.reorder === 0 &&
    faults.corrupt === 0 &&
    faults.delayMs <= 0 &&
    faults.jitterMs <= 0;

  listen.on('error', (err) => tally.log(`proxy socket error: ${err.message}`));
  listen.on('message', (data, rinfo) => {
    if (stopping) return;
    const key = `${rinfo.address} ${rinfo.port}`;
    const client = clients.get(key) ?? open(key, rinfo.address, rinfo.port);
    // A new client's first datagrams wait until its upstream socket is connected.
    if (client.backlog) client.backlog.push(data);
    else pass(client, client.paths['client→server'], data);
  });

  /** A new client: its own socket towards the server, connected, and its two paths. */
  function open(key: string, address: string, port: number): Client {
    const id = nextId++;
    const from = formatHostPort(address, port);
    const upstream = dgram.createSocket(target.family === 6 ? 'udp6' : 'udp4');
    const path = (direction: Direction, send: (data: Buffer) => void): Path => ({
      direction,
      n: 0,
      waiting: 0,
      held: [],
      holdTimer: undefined,
      send,
    });
    const client: Client = {
      id,
      key,
      from,
      upstream,
      backlog: [],
      alarms: new Map(),
      idle: undefined,
      closed: false,
      paths: {
        'client→server': path('client→server', (data) => upstream.send(data)),
        'server→client': path('server→client', (data) => listen.send(data, port, address)),
      },
    };
    clients.set(key, client);

    // On a connected UDP socket the kernel reports the server's "port unreachable" (ICMP) as
    // ECONNREFUSED. Say so and forget the client; its next datagram tries again.
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ECONNREFUSED'
          ? `${to} refused a datagram (ICMP port unreachable: is the server running?)`
          : err.message;
      forget(client, `${why}; closing its upstream socket`);
    });
    upstream.on('message', (data) => pass(client, client.paths['server→client'], data));
    // connect(): the socket then hears only from the server, and send() needs no address
    // (so no lookup step per datagram).
    upstream.connect(target.port, target.address, () => {
      if (client.closed) return;
      const local = formatAddress(upstream.address());
      tally.log(`client ${id} is ${from}; upstream ${local} → ${to}`);
      const waiting = client.backlog ?? [];
      client.backlog = null;
      for (const data of waiting) pass(client, client.paths['client→server'], data);
    });
    if (idleMs > 0) {
      client.idle = setTimeout(() => {
        forget(client, `silent for ${idleMs / 1000} s: forgotten`);
      }, idleMs);
    }
    return client;
  }

  /** One datagram through the faults, in one direction. */
  function pass(client: Client, path: Path, data: Buffer): void {
    if (client.closed) return;
    client.idle?.refresh();
    const n = ++path.n;
    const where = { client: client.id, direction: path.direction, n, bytes: data.length };
    tally.record({ kind: 'receive', ...where });
    if (plain) {
      path.send(data);
      tally.record({ kind: 'forward', ...where });
      return;
    }
    const fate = decideDatagram(
      faults,
      datagramRandom(seed, client.id, path.direction, n),
      data.length,
    );
    const full =
      path.waiting >= MAX_WAITING_DATAGRAMS || waitingBytes + data.length > MAX_WAITING_BYTES;
    if (fate.drop || ((fate.reorder || fate.delayMs > 0) && full)) {
      tally.record({ kind: 'drop', reason: fate.drop ? 'loss' : 'queue full', ...where });
      return;
    }
    let out = data;
    if (fate.corruptBit !== null) {
      out = flipBit(data, fate.corruptBit);
      tally.record({ kind: 'corrupt', bit: fate.corruptBit, ...where });
    }
    const outgoing: Outgoing = { data: out, n, copies: fate.duplicate ? 2 : 1 };
    if (fate.reorder) {
      tally.record({ kind: 'reorder', ...where });
      hold(client, path, outgoing);
      return;
    }
    // This one goes, and whatever was held for it goes right after it.
    const batch = [outgoing, ...release(path)];
    if (fate.delayMs <= 0) {
      send(client, path, batch);
      return;
    }
    tally.record({ kind: 'delay', ms: fate.delayMs, ...where });
    wait(path, batch, +1);
    const unwait = () => wait(path, batch, -1);
    const alarm = new Alarm(performance.now() + fate.delayMs, () => {
      client.alarms.delete(alarm);
      unwait();
      send(client, path, batch);
    });
    client.alarms.set(alarm, unwait);
  }

  /** Counts datagrams into (+1) or out of (-1) the waiting ones, per path and in all. */
  function wait(path: Path, batch: readonly Outgoing[], sign: 1 | -1): void {
    path.waiting += sign * batch.length;
    for (const { data } of batch) waitingBytes += sign * data.length;
  }

  function hold(client: Client, path: Path, outgoing: Outgoing): void {
    path.held.push(outgoing);
    wait(path, [outgoing], +1);
    path.holdTimer ??= setTimeout(() => send(client, path, release(path)), REORDER_HOLD_MS);
  }

  function release(path: Path): Outgoing[] {
    clearTimeout(path.holdTimer);
    path.holdTimer = undefined;
    const held = path.held.splice(0);
    wait(path, held, -1);
    return held;
  }

  function send(client: Client, path: Path, batch: readonly Outgoing[]): void {
    if (client.closed) return;
    for (const { data, n, copies } of batch) {
      const where = { client: client.id, direction: path.direction, n, bytes: data.length };
      path.send(data);
      tally.record({ kind: 'forward', ...where });
      if (copies === 2) {
        path.send(data);
        tally.record({ kind: 'duplicate', ...where });
      }
    }
  }

  /** Closes a client's upstream socket and drops what waited; logs why, if `why`. */
  function forget(client: Client, why: string | null): void {
    if (client.closed) return;
    client.closed = true;
    clients.delete(client.key);
    clearTimeout(client.idle);
    for (const [alarm, unwait] of client.alarms) {
      alarm.cancel();
      unwait();
    }
    for (const path of Object.values(client.paths)) release(path);
    client.upstream.close();
    if (why !== null) tally.log(`client ${client.id} (${client.from}): ${why}`);
  }

  return {
    get clients() {
      return clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        for (const client of clients.values()) forget(client, null);
        listen.close(() => resolve());
      }),
  };
}
