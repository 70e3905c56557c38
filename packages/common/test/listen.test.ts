// listenTcp and bindUdp: the `listening on` line with the real port from port 0, and
// startup errors turned into one line.
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { FatalError } from '../src/errors.js';
import { bindUdp, listenTcp, resolveFamily } from '../src/listen.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

test('listenTcp on port 0 resolves with the port the OS gave and prints it', async () => {
  const lines: string[] = [];
  const server = net.createServer();
  closers.push(() => server.close());
  const info = await listenTcp(server, { host: '127.0.0.1', port: 0, log: (l) => lines.push(l) });
  expect(info.port).toBeGreaterThan(0);
  expect(lines).toEqual([`listening on 127.0.0.1:${info.port} (tcp)`]);
});

test('listenTcp on a port in use rejects with one clear line', async () => {
  const holder = net.createServer();
  closers.push(() => holder.close());
  const { port } = await listenTcp(holder, { host: '127.0.0.1', port: 0, log: null });
  const second = net.createServer();
  const logged: Error[] = [];
  second.on('error', (err) => logged.push(err)); // the server's own listener stays quiet
  const err = await listenTcp(second, { host: '127.0.0.1', port, log: null }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toBe(
    `cannot listen on 127.0.0.1:${port} (tcp): address already in use (another server on that port? try --port 0)`,
  );
  expect((err as Error).message).not.toContain('\n');
  expect(logged).toEqual([]);
  expect(second.listenerCount('error')).toBe(1); // given back once listen has settled
});

test('listenTcp on an address this machine does not have says so', async () => {
  const err = await listenTcp(net.createServer(), { host: '192.0.2.1', port: 0, log: null }).catch(
    (e: unknown) => e,
  );
  expect((err as Error).message).toBe(
    'cannot listen on 192.0.2.1:0 (tcp): 192.0.2.1 is not an address of this machine',
  );
});

test('an unknown host name is reported as not found', async () => {
  const err = await listenTcp(net.createServer(), {
    host: 'no-such-host.invalid',
    port: 0,
    log: null,
  }).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(
    /^cannot listen on no-such-host\.invalid:0 \(tcp\): (host not found: no-such-host\.invalid|could not resolve)/,
  );
});

test('bindUdp picks the socket family from the host and prints the udp line', async () => {
  const lines: string[] = [];
  const { socket, address } = await bindUdp({
    host: '127.0.0.1',
    port: 0,
    log: (l) => lines.push(l),
  });
  closers.push(() => socket.close());
  expect(socket.address().family).toBe('IPv4');
  expect(lines).toEqual([`listening on 127.0.0.1:${address.port} (udp)`]);
  expect(await resolveFamily('::1')).toBe(6);
  expect(await resolveFamily('localhost')).toBeOneOf([4, 6]);
});

test('bindUdp on a port in use rejects with one clear line', async () => {
  const holder = dgram.createSocket('udp4');
  holder.bind(0, '127.0.0.1');
  await once(holder, 'listening');
  closers.push(() => holder.close());
  const { port } = holder.address();
  const err = await bindUdp({ host: '127.0.0.1', port, log: null }).catch((e: unknown) => e);
  expect((err as Error).message).toBe(
    `cannot listen on 127.0.0.1:${port} (udp): address already in use (another server on that port? try --port 0)`,
  );
});
