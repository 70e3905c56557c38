// closeWithDeadline and destroyAfter on real loopback sockets: a peer told to go is let go
// when it closes, cut off when the deadline passes however busy it is, and cut off at once
// when it sends more than the read limit.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { closeWithDeadline, destroyAfter } from '../src/deadline.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A connected pair on 127.0.0.1: `ours` is the accepted side, `peer` the client. */
async function pair(): Promise<{ ours: net.Socket; peer: net.Socket }> {
  const server = net.createServer();
  closers.push(() => server.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const peer = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [ours] = (await once(server, 'connection')) as [net.Socket];
  for (const s of [ours, peer]) {
    s.on('error', () => {});
    closers.push(() => s.destroy());
  }
  return { ours, peer };
}

test('a peer that closes its side in time is let go, and reads our notice first', async () => {
  const { ours, peer } = await pair();
  let heard = '';
  peer.on('data', (b: Buffer) => {
    heard += b.toString();
  });
  peer.on('end', () => peer.end());
  closeWithDeadline(ours, { notice: 'bye\n', graceMs: 60_000, readLimitBytes: 1024 });
  await once(ours, 'close');
  expect(heard).toBe('bye\n');
});

test('a peer that keeps sending is cut off when the deadline passes all the same', async () => {
  const { ours, peer } = await pair();
  const keepSending = setInterval(() => peer.write('x'), 5);
  closers.push(() => clearInterval(keepSending));
  let expired = false;
  destroyAfter(ours, 100, () => {
    expired = true;
  });
  await once(ours, 'close');
  expect(expired).toBe(true);
});

test('a peer that sends more than the read limit is cut off at once', async () => {
  const { ours, peer } = await pair();
  closeWithDeadline(ours, { graceMs: 60_000, readLimitBytes: 1024 });
  peer.write(Buffer.alloc(64 * 1024));
  await once(ours, 'close');
});

test('a deadline of 0 destroys at once, and a destroyed socket gets no timer', async () => {
  const { ours } = await pair();
  expect(destroyAfter(ours, 0)).toBeUndefined();
  expect(ours.destroyed).toBe(true);
  expect(destroyAfter(ours, 1000)).toBeUndefined();
});
