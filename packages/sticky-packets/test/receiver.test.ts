// The receiver in-process on real sockets (127.0.0.1, port 0): recv(1024)-sized reads,
// merges made on purpose by pausing the reader, the framed fixes, and the bad cases
// (a hostile length, a stream cut mid-message, a reset).
import { once } from 'node:events';
import net from 'node:net';
import { READ_WINDOW_BYTES, SocketReader } from '@socket-lab/common';
import { hasIPv6 } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { formatReceiverEvent } from '../src/log.js';
import { lockstep } from '../src/pacing.js';
import { encodeMessage, type Framing, SEED_MESSAGES } from '../src/protocol.js';
import { sendMessages } from '../src/sender.js';
import { type RunningReceiver, startReceiver } from './helpers.js';

const HOST = '127.0.0.1';
const SEED_BYTES = Buffer.concat(SEED_MESSAGES);
let receiver: RunningReceiver | undefined;
const opened: net.Socket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.destroy();
  receiver?.server.close();
  receiver = undefined;
});

async function connect(port: number, host = HOST): Promise<net.Socket> {
  const socket = net.connect(port, host);
  socket.on('error', () => {}); // the tests that care look at the receiver's events
  opened.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** Sends the seed's messages in `groups`, each group only after the last was read. */
async function sendInLockstep(framing: Framing, groups: number[]) {
  const pace = lockstep(
    SEED_MESSAGES.map((m) => encodeMessage(framing, m).length),
    groups,
  );
  receiver = await startReceiver({ framing, beforeRead: pace.beforeRead });
  await sendMessages({
    host: HOST,
    port: receiver.port,
    framing,
    messages: SEED_MESSAGES,
    beforeWrite: pace.beforeWrite,
    report: () => {},
  });
  const closed = await receiver.closed();
  return { closed, reads: receiver.of('read'), messages: receiver.of('message') };
}

test('a 2000-byte write is read as 1024 + 976', async () => {
  // The reader waits until all 2000 bytes are there, so only the buffer size cuts them.
  receiver = await startReceiver({ beforeRead: (p) => p.whenArrived(2000).then(() => {}) });
  const socket = await connect(receiver.port);
  socket.end(Buffer.alloc(2000, 'v'));
  const closed = await receiver.closed();
  expect(receiver.of('read').map((r) => r.data.length)).toEqual([1024, 976]);
  expect(closed).toMatchObject({ reads: 2, bytes: 2000, messages: undefined });
});

test("writes sent while the receiver sleeps come out merged: the seed's first run, 17/302/200/1/1024/976", async () => {
  // Writes 2, 3 and 4 go out together while the receiver waits; it then reads them in one recv.
  const { closed, reads } = await sendInLockstep('none', [1, 3, 1, 1, 1]);
  expect(reads.map((r) => r.data.length)).toEqual([17, 302, 200, 1, 1024, 976]);
  expect(reads[1]?.data.toString()).toBe(`1${'y'.repeat(300)}2`);
  expect(closed.bytes).toBe(2520);
});

test("other pauses, other boundaries: the seed's second run, 17/1/300/201/1/1024/976", async () => {
  // Only writes 4 and 5 pile up this time.
  const { reads } = await sendInLockstep('none', [1, 1, 1, 2, 1, 1]);
  expect(reads.map((r) => r.data.length)).toEqual([17, 1, 300, 201, 1, 1024, 976]);
});

test('whatever the random pauses, the reads add up to the bytes sent, in order', async () => {
  // Real random pauses on both sides (up to 5 ms): the boundaries vary, the bytes never do.
  for (let run = 0; run < 3; run++) {
    receiver = await startReceiver({ delayMs: 5 });
    await sendMessages({
      host: HOST,
      port: receiver.port,
      messages: SEED_MESSAGES,
      gapMs: 5,
      report: () => {},
    });
    const closed = await receiver.closed();
    const reads = receiver.of('read').map((r) => r.data);
    expect(reads.every((r) => r.length >= 1 && r.length <= 1024)).toBe(true);
    expect(Buffer.concat(reads).equals(SEED_BYTES)).toBe(true);
    expect(closed).toMatchObject({ reads: reads.length, bytes: 2520 });
    receiver.server.close();
  }
});

test('with a length prefix the same merged and split reads give back the seven messages', async () => {
  // Same pauses as the seed's first run; each message now carries 4 bytes of length.
  const { closed, reads, messages } = await sendInLockstep('length', [1, 3, 1, 1, 1]);
  expect(reads.map((r) => r.data.length)).toEqual([21, 314, 204, 5, 1024, 980]);
  expect(messages.map((m) => m.data.toString())).toEqual(SEED_MESSAGES.map((m) => m.toString()));
  // Read 5 completes nothing: 4 header bytes and 1020 of 2000 payload bytes are held.
  expect(reads[4]?.heldBytes).toBe(1024);
  expect(closed).toMatchObject({ reads: 6, bytes: 2548, messages: 7 });
});

test('with a newline after each message, lines come back whole too', async () => {
  // The delimiter fix: 1 byte per message instead of 4, and a message must not contain it.
  const { closed, messages } = await sendInLockstep('line', [1, 3, 1, 1, 1]);
  expect(messages.map((m) => m.data.toString())).toEqual(SEED_MESSAGES.map((m) => m.toString()));
  expect(closed).toMatchObject({ bytes: 2527, messages: 7 });
});

test('a header claiming 4 GiB is refused at once, and the receiver serves the next client', async () => {
  // ff ff ff ff is a length of 4294967295: over the limit, so nothing is allocated for it.
  receiver = await startReceiver({ framing: 'length' });
  const bad = await connect(receiver.port);
  bad.write(
    Buffer.concat([encodeMessage('length', Buffer.from('fine')), Buffer.from('ffffffff', 'hex')]),
  );
  const closed = await receiver.closed(1);
  await once(bad, 'close'); // the receiver hung up
  expect(receiver.of('message').map((m) => m.data.toString())).toEqual(['fine']);
  expect(receiver.of('read').map((r) => r.data.length)).toEqual([12]); // the read is still shown
  expect(receiver.of('error')[0]?.message).toBe(
    'frame header claims 4294967295 bytes, more than the 16777216-byte limit',
  );
  expect(closed.messages).toBe(1);

  const good = await connect(receiver.port);
  good.end(encodeMessage('length', Buffer.from('next')));
  await receiver.closed(2);
  expect(receiver.of('message', 2).map((m) => m.data.toString())).toEqual(['next']);
});

test('a read that holds only a bad header is still shown, then refused', async () => {
  receiver = await startReceiver({ framing: 'length' });
  const bad = await connect(receiver.port);
  bad.write(Buffer.from('ffffffff', 'hex'));
  await receiver.closed();
  expect(receiver.log.entries.map(formatReceiverEvent).slice(1)).toEqual([
    '[1] read 1: 4 bytes  \\xff\\xff\\xff\\xff',
    '[1] frame header claims 4294967295 bytes, more than the 16777216-byte limit',
    '[1] closed: 0 messages in 1 read, 4 bytes',
  ]);
});

test('a stream cut in the middle of a message is reported with what is missing', async () => {
  // A 9-byte message of which 3 bytes came: 6 never will.
  receiver = await startReceiver({ framing: 'length', maxMessageBytes: 100 });
  const socket = await connect(receiver.port);
  socket.end(encodeMessage('length', Buffer.from('truncated')).subarray(0, 7));
  await receiver.closed();
  expect(receiver.of('error').map((e) => e.message)).toEqual([
    'stream ended mid-frame: got 3 of 9 payload bytes, 6 missing',
  ]);
});

test('a reset is reported and the receiver keeps serving', async () => {
  // The peer sends a little, then RST instead of FIN (as a crashed program would).
  receiver = await startReceiver({ beforeRead: (p) => p.whenArrived(5).then(() => {}) });
  const rude = await connect(receiver.port);
  rude.write('hello');
  await receiver.log.waitFor((e) => e.type === 'read');
  rude.resetAndDestroy();
  const closed = await receiver.closed(1);
  expect(closed).toMatchObject({ reads: 1, bytes: 5 });
  expect(receiver.of('error').map((e) => e.message)).toEqual([
    'cannot read: connection reset by the peer',
  ]);

  const next = await connect(receiver.port);
  next.end('again');
  await receiver.closed(2);
  expect(receiver.of('read', 2).map((r) => r.data.toString())).toEqual(['again']);
});

test('the log lines: one per read, messages under their read, a summary at the end', async () => {
  // What `start` prints is built from the events; learners and tests grep these lines.
  const { closed, reads } = await sendInLockstep('length', [1, 3, 1, 1, 1]);
  const lines = receiver?.log.entries.map(formatReceiverEvent) ?? [];
  expect(lines[0]).toMatch(/^\[1\] connected from 127\.0\.0\.1:\d+$/);
  expect(lines.slice(1, 4)).toEqual([
    '[1] read 1: 21 bytes  \\x00\\x00\\x00\\x11welcome to qytang',
    '[1]   message 1: 17 bytes  welcome to qytang',
    '[1] read 2: 314 bytes  \\x00\\x00\\x00\\x011\\x00\\x00\\x01,yyyyyyyyyyy…yyyyy\\x00\\x00\\x00\\x012',
  ]);
  expect(lines).toContain(
    '[1] read 5: 1024 bytes  \\x00\\x00\\x07\\xd0vvvvvvvvvvvvvvvv…vvvvvvvvvv  (holding 1024 bytes of an unfinished message)',
  );
  expect(lines.at(-1)).toBe('[1] closed: 7 messages in 6 reads, 2548 bytes');
  expect(reads).toHaveLength(closed.reads);
});

test.skipIf(!(await hasIPv6()))('over IPv6 (::1) the receiver reads the same way', async () => {
  // Same lesson, other family; [::1] in the log.
  receiver = await startReceiver({ beforeRead: (p) => p.whenArrived(2000).then(() => {}) }, '::1');
  const socket = await connect(receiver.port, '::1');
  socket.end(Buffer.alloc(2000, 'v'));
  await receiver.closed();
  expect(formatReceiverEvent(receiver.log.entries[0] as never)).toMatch(
    /^\[1\] connected from \[::1\]:\d+$/,
  );
  expect(receiver.of('read').map((r) => r.data.length)).toEqual([1024, 976]);
});

test('a reader that does not read stops taking bytes at its window; the sender waits', async () => {
  // The receiver's reads come from common's SocketReader. Nobody reads it here: it pauses the
  // socket at its window, the kernel buffers fill, and the sender's write() says "wait".
  // Then everything is read, 64 KiB at most a time.
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  try {
    const accepted = once(server, 'connection');
    const sender = await connect((server.address() as net.AddressInfo).port);
    const [socket] = (await accepted) as [net.Socket];
    opened.push(socket);
    const buffer = new SocketReader(socket);

    const chunk = Buffer.alloc(65_536);
    for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
    const cap = 64 * 1024 * 1024; // far past what loopback's kernel buffers hold
    let sent = 0;
    let accepting = true;
    while (accepting && sent < cap) {
      accepting = sender.write(chunk);
      sent += chunk.length;
    }
    expect(accepting).toBe(false); // backpressure reached the sender
    await buffer.whenArrived(READ_WINDOW_BYTES);
    expect(socket.isPaused()).toBe(true);
    expect(buffer.arrivedBytes).toBeLessThan(sent);
    sender.end();

    let received = 0;
    for (let data = await buffer.recv(65_536); data; data = await buffer.recv(65_536)) {
      expect(data.length).toBeLessThanOrEqual(65_536);
      const at = received % chunk.length;
      const expected = Buffer.concat([chunk.subarray(at), chunk.subarray(0, at)]);
      expect(data.equals(expected.subarray(0, data.length))).toBe(true);
      received += data.length;
    }
    expect(received).toBe(sent);
    expect(buffer.consumedBytes).toBe(sent);
  } finally {
    server.close();
  }
});
