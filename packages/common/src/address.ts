// Addresses as people write them: 127.0.0.1:8888 for IPv4, [::1]:8888 for IPv6 (the brackets
// keep the port apart from the colons of the address, as in URLs, RFC 3986).
import net, { type AddressInfo } from 'node:net';

/** `host:port`, with brackets around an IPv6 host. */
export function formatHostPort(host: string, port: number): string {
  const shown = unmapIPv4(host);
  return net.isIPv6(shown) ? `[${shown}]:${port}` : `${shown}:${port}`;
}

/** The address a server or UDP socket is bound to, e.g. from `server.address()`. */
export function formatAddress(info: Pick<AddressInfo, 'address' | 'port'>): string {
  return formatHostPort(info.address, info.port);
}

/**
 * The peer of a connected TCP socket, or `unknown peer` when the socket has already
 * gone (Node clears remoteAddress once a socket is destroyed).
 */
export function formatPeer(socket: net.Socket): string {
  const { remoteAddress, remotePort } = socket;
  if (remoteAddress === undefined || remotePort === undefined) return 'unknown peer';
  return formatHostPort(remoteAddress, remotePort);
}

/**
 * A server bound to `::` accepts IPv4 clients too, and shows them as `::ffff:1.2.3.4`
 * (an IPv4-mapped IPv6 address, RFC 4291 §2.5.5.2). Show the IPv4 address people know.
 */
export function unmapIPv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}
