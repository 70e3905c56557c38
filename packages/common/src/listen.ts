// Listening, the step every server shares: bind, listen, then print one line
// `listening on 127.0.0.1:8888 (tcp)` that people read and tests parse (with --port 0 the
// OS picks the port, and this line is the only way to learn it).
import dgram from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import dns from 'node:dns/promises';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { formatAddress } from './address.js';
import { describeNetError, FatalError } from './errors.js';

export interface ListenOptions {
  host: string;
  port: number;
  /** Where the `listening on …` line goes; `null` prints nothing. Default: stdout. */
  log?: ((line: string) => void) | null;
}

/** The line tests and people look for: `listening on [::1]:8888 (udp)`. */
export function listeningLine(info: Pick<AddressInfo, 'address' | 'port'>, proto: 'tcp' | 'udp') {
  return `listening on ${formatAddress(info)} (${proto})`;
}

/**
 * Starts a TCP server on host:port and resolves with the bound address once it listens.
 * A failure (port in use, no permission, unknown host) rejects with a FatalError whose
 * message is one readable line.
 */
export async function listenTcp(server: net.Server, opts: ListenOptions): Promise<AddressInfo> {
  // A startup error is ours to report, once; the server's own 'error' listeners (which
  // log errors while it runs) step aside until it listens.
  const running = server.listeners('error') as ((err: Error) => void)[];
  server.removeAllListeners('error');
  try {
    server.listen({ host: opts.host, port: opts.port });
    await once(server, 'listening');
  } catch (err) {
    throw new FatalError(
      describeNetError(err, { action: `listen on ${where(opts)} (tcp)`, ...opts }),
    );
  } finally {
    for (const listener of running) server.on('error', listener);
  }
  const info = server.address() as AddressInfo;
  announce(info, 'tcp', opts.log);
  return info;
}

/**
 * Creates a UDP socket of the family `host` resolves to and binds it. Resolves with the
 * socket and its address; rejects with a one-line FatalError like `listenTcp`.
 */
export async function bindUdp(
  opts: ListenOptions,
): Promise<{ socket: dgram.Socket; address: AddressInfo }> {
  // A UDP socket is bound, not listening: it takes datagrams without any connection.
  const action = `bind ${where(opts)} (udp)`;
  const family = await resolveFamily(opts.host, action);
  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: lookupAtOnce });
  try {
    // Waiting before bind(): with lookupAtOnce, 'listening' (or 'error') can fire inside it.
    const listening = once(socket, 'listening');
    socket.bind({ address: opts.host, port: opts.port });
    await listening;
  } catch (err) {
    socket.close();
    throw new FatalError(describeNetError(err, { action, ...opts }));
  }
  const address = socket.address();
  announce(address, 'udp', opts.log);
  return { socket, address };
}

/**
 * A `lookup` for dgram.createSocket that answers an IP address at once and hands host names
 * to dns.lookup. dgram runs its socket's lookup before every send() to an address, even an
 * IP literal, and the default (dns.lookup) answers a literal only on the next tick: for a
 * server that answers each datagram with a send() to the sender's address, that is a detour
 * per datagram for nothing. With this lookup, send() and bind() run their system calls
 * synchronously, so 'listening' may fire inside bind(): listen for it before binding.
 */
export function lookupAtOnce(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = net.isIP(hostname);
  if (family === 0) dnsLookup(hostname, options, callback);
  else callback(null, hostname, family);
}

/**
 * The IP family (4 or 6) of a host, resolving names such as `localhost`. UDP needs it
 * before the socket exists: dgram sockets are created as udp4 or udp6.
 */
export async function resolveFamily(host: string, action = `resolve ${host}`): Promise<4 | 6> {
  const literal = net.isIP(host);
  if (literal === 4 || literal === 6) return literal;
  try {
    const { family } = await dns.lookup(host);
    return family === 6 ? 6 : 4;
  } catch (err) {
    throw new FatalError(describeNetError(err, { action, host }));
  }
}

function announce(info: AddressInfo, proto: 'tcp' | 'udp', log: ListenOptions['log']) {
  if (log === null) return;
  (log ?? console.log)(listeningLine(info, proto));
}

function where(opts: ListenOptions): string {
  return formatAddress({ address: opts.host, port: opts.port });
}
