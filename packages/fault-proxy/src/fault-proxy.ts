// startFaultProxy: the proxy as a function, for the CLI (src/bin/start.ts) and for tests in
// any package that want a network that misbehaves on cue. It resolves the server's address,
// binds, draws a seed if none was given, and starts the TCP (src/proxy.ts) or UDP
// (src/udp-proxy.ts) proxy; what they do is counted in one place (src/trace.ts).
import { randomInt } from 'node:crypto';
import dns from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import {
  bindUdp,
  describeNetError,
  FatalError,
  formatHostPort,
  listenTcp,
} from '@socket-lab/common';
import { type Faults, NO_FAULTS } from './faults.js';
import { parseHostPort } from './host-port.js';
import { createTcpProxy } from './proxy.js';
import { type Counters, formatSummary, type ProxyEvent, Tally } from './trace.js';
import { IDLE_TIMEOUT_MS, serveUdpProxy } from './udp-proxy.js';

export interface FaultProxyOptions {
  /** The server to forward to: `HOST:PORT` (`[::1]:8888` for IPv6), or host and port. */
  to: string | { host: string; port: number };
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 0: the OS picks a free one (read it from `port`). */
  port?: number;
  /** Proxy UDP datagrams instead of TCP connections. */
  udp?: boolean;
  /** The faults; the ones left out are off. */
  faults?: Partial<Faults>;
  /** The same seed and the same traffic give the same decisions. Default: drawn at random. */
  seed?: number;
  /** UDP: forget a client silent this long; TCP: reset a stalled pair after this long. Default 60 s; 0 = never. */
  idleTimeoutMs?: number;
  /** TCP: how long connecting to the server may take. Default 10 s. */
  connectTimeoutMs?: number;
  /** Where the proxy's lines go (`listening on …`, connections, --trace). Default: nowhere. */
  log?: ((line: string) => void) | null;
  /** Also log one line per decision (drop, delay, cut, …). */
  trace?: boolean;
  /** Called with every event, decisions and forwards alike (for tests to wait on). */
  onEvent?: (event: ProxyEvent) => void;
}

/** A running proxy. */
export interface FaultProxy {
  protocol: 'tcp' | 'udp';
  /** Where clients connect or send: the bound address. */
  address: AddressInfo;
  host: string;
  port: number;
  /** The server it forwards to, as given. */
  to: { host: string; port: number };
  faults: Faults;
  seed: number;
  /** What happened so far, per direction; live. */
  counters: Counters;
  /** The exit summary: one line per direction. */
  summary(): string[];
  /** Stops listening and closes every connection (or upstream socket). */
  close(): Promise<void>;
}

/**
 * Starts a fault proxy and resolves once it listens. Rejects with a one-line FatalError when
 * it cannot bind or the server's name does not resolve; a bad `to` is a UsageError.
 */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const to = typeof opts.to === 'string' ? parseHostPort(opts.to) : opts.to;
  const faults: Faults = { ...NO_FAULTS, ...opts.faults };
  const seed = opts.seed ?? randomInt(2 ** 32);
  const log = opts.log ?? null;
  const tally = new Tally({ log, trace: opts.trace ?? false, onEvent: opts.onEvent ?? null });
  const listenOptions = { host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, log };

  let address: AddressInfo;
  let close: () => Promise<void>;
  if (opts.udp) {
    const target = await resolve(to);
    const bound = await bindUdp(listenOptions);
    address = bound.address;
    const proxy = serveUdpProxy(bound.socket, {
      target,
      faults,
      seed,
      tally,
      ...(opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs }),
    });
    close = () => proxy.close();
  } else {
    const server = createTcpProxy({
      target: to,
      faults,
      tally,
      ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
      idleTimeoutMs: opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
    });
    address = await listenTcp(server, listenOptions);
    close = () => server.shutdown();
  }
  log?.(`forwarding to ${formatHostPort(to.host, to.port)}`);

  let closing: Promise<void> | undefined;
  return {
    protocol: opts.udp ? 'udp' : 'tcp',
    address,
    host: address.address,
    port: address.port,
    to,
    faults,
    seed,
    counters: tally.counters,
    summary: () => formatSummary(tally.counters, seed),
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}

// UDP needs the server's address before the first datagram: the upstream sockets are
// created as udp4 or udp6, and connected to an address, not a name. Looked up once.
async function resolve(to: {
  host: string;
  port: number;
}): Promise<{ address: string; family: 4 | 6; port: number }> {
  try {
    const { address, family } = await dns.lookup(to.host);
    return { address, family: family === 6 ? 6 : 4, port: to.port };
  } catch (err) {
    const where = formatHostPort(to.host, to.port);
    throw new FatalError(describeNetError(err, { action: `resolve ${where}`, host: to.host }));
  }
}
