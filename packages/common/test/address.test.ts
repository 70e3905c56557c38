// How addresses are shown: IPv4 as is, IPv6 in brackets, IPv4-mapped IPv6 unwrapped.
import { expect, test } from 'vitest';
import { formatAddress, formatHostPort, unmapIPv4 } from '../src/address.js';

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
