// listenTcp and bindUdp: the `listening on` line with the real port from port 0, and
// startup errors turned into one line.
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { FatalError } from '../src/errors.js';
import { bindUdp, listenTcp, lookupAtOnce, resolveFamily } from '../src/listen.js';

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
    `cannot bind 127.0.0.1:${port} (udp): address already in use (another server on that port? try --port 0)`,
  );
});

test('lookupAtOnce answers an IP address before it returns and hands names to DNS', async () => {
  // Checks the lookup bindUdp's and UdpRequester's sockets use: no wait for a literal, the
  // same answer as dns.lookup for a name.
  const answers: [string, number][] = [];
  for (const host of ['127.0.0.1', '::1']) {
    lookupAtOnce(host, {}, (err, address, family) => {
      expect(err).toBeNull();
      answers.push([address, family]);
    });
  }
  expect(answers).toEqual([
    ['127.0.0.1', 4],
    ['::1', 6],
  ]);
  const [err, address, family] = await new Promise<[Error | null, string, number]>((resolve) =>
    lookupAtOnce('localhost', { family: 4 }, (...answer) => resolve(answer)),
  );
  expect(err).toBeNull();
  expect([address, family]).toEqual(['127.0.0.1', 4]);
});

test('a bindUdp socket binds a host name and sends to an address in the same tick', async () => {
  // Checks that bindUdp still waits for 'listening' now that bind() may finish inside the
  // call, and that a datagram sent to an IP address arrives.
  const { socket: a } = await bindUdp({ host: 'localhost', port: 0, log: null });
  closers.push(() => a.close());
  const { socket: b } = await bindUdp({ host: a.address().address, port: 0, log: null });
  closers.push(() => b.close());
  const got = once(b, 'message');
  a.send('hi', b.address().port, b.address().address);
  const [data, from] = (await got) as [Buffer, dgram.RemoteInfo];
  expect(data.toString()).toBe('hi');
  expect(from.port).toBe(a.address().port);
});
