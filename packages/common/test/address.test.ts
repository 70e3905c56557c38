// How addresses are shown: IPv4 as is, IPv6 in brackets, IPv4-mapped IPv6 unwrapped.

import type net from 'node:net';
import { expect, test } from 'vitest';
import { formatAddress, formatHostPort, formatPeer, unmapIPv4 } from '../src/address.js';

test('IPv4 is host:port', () => {
  expect(formatHostPort('127.0.0.1', 8888)).toBe('127.0.0.1:8888');
  expect(formatAddress({ address: '0.0.0.0', port: 0 })).toBe('0.0.0.0:0');
});

test('IPv6 gets brackets, so the port stands apart from the colons', () => {
  expect(formatHostPort('::1', 8888)).toBe('[::1]:8888');
  expect(formatHostPort('::', 80)).toBe('[::]:80');
  expect(formatAddress({ address: 'fe80::1%lo', port: 1 })).toBe('[fe80::1%lo]:1');
});

test('an IPv4-mapped IPv6 address is shown as the IPv4 address', () => {
  expect(unmapIPv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
  expect(formatHostPort('::ffff:10.0.0.2', 9)).toBe('10.0.0.2:9');
  expect(unmapIPv4('::1')).toBe('::1');
});

test('host names are left as they are', () => {
  expect(formatHostPort('localhost', 31500)).toBe('localhost:31500');
});

test('only a whole IPv4-mapped address is unwrapped, whatever its case and digits', () => {
  expect(unmapIPv4('::FFFF:10.20.30.40')).toBe('10.20.30.40');
  expect(unmapIPv4('::ffff:192.168.100.200')).toBe('192.168.100.200');
  expect(unmapIPv4('1::ffff:1.2.3.4')).toBe('1::ffff:1.2.3.4');
  expect(unmapIPv4('::ffff:1.2.3.4x')).toBe('::ffff:1.2.3.4x');
});

test('a peer is its address, or "unknown peer" once the socket has lost it', () => {
  const peer = (remoteAddress?: string, remotePort?: number) =>
    formatPeer({ remoteAddress, remotePort } as net.Socket);
  expect(peer('::1', 5)).toBe('[::1]:5');
  expect(peer('::ffff:127.0.0.1', 40000)).toBe('127.0.0.1:40000');
  expect(peer(undefined, 5)).toBe('unknown peer');
  expect(peer('127.0.0.1', undefined)).toBe('unknown peer');
});
