// The echo server in-process on 127.0.0.1 port 0, poked with plain dgram sockets: what it
// answers, what it logs, and the datagrams a naive server would trip over.
import { burstThenAsk, hasIPv6 } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { describeDatagram } from '../src/server.js';
import { boundSocket, closeAll, HOST, roundTrip, startEcho } from './helpers.js';

afterEach(closeAll);

test('echoes each datagram to its sender and logs its size, source and text', async () => {
  // Checks the basic echo and the log line a learner reads.
  const { port, log } = await startEcho();
  const client = await boundSocket();
  const answer = await roundTrip(client, port, 'hello');
  expect(answer.toString()).toBe('hello');
  expect(await log.waitFor(/ from /)).toBe(
    `5 bytes from 127.0.0.1:${client.address().port}: hello`,
  );
  expect(log.entries).toHaveLength(1);
});

test('keeps message boundaries: two datagrams come back as two, never merged', async () => {
  // Checks seed 002's "UDP never sticks": two sends, two datagrams.
  const { port } = await startEcho();
  const client = await boundSocket();
  const answers: string[] = [];
  const both = new Promise<void>((resolve) => {
    client.on('message', (data) => {
      answers.push(data.toString());
      if (answers.length === 2) resolve();
    });
  });
  client.send('hello', port, HOST);
  client.send('james', port, HOST); // seed 002's "UDP never sticks" pair
  await both;
  expect(answers.sort()).toEqual(['hello', 'james']);
});

test('--upper changes only a-z, like Python bytes.upper(): other bytes stay as they were', async () => {
  // Checks that --upper does what Python's bytes.upper() does, byte for byte.
  const { port } = await startEcho({ upper: true });
  const client = await boundSocket();
  const sent = Buffer.concat([Buffer.from('héllo, 世界 abc'), Buffer.from([0xff, 0x61])]);
  const answer = await roundTrip(client, port, sent);
  const expected = Buffer.concat([Buffer.from('HéLLO, 世界 ABC'), Buffer.from([0xff, 0x41])]);
  expect(answer.equals(expected)).toBe(true);
});

test('an empty datagram gets an empty answer', async () => {
  // Checks that a zero-byte datagram is a datagram: it is logged and answered.
  const { port, log } = await startEcho();
  const client = await boundSocket();
  const answer = await roundTrip(client, port, Buffer.alloc(0));
  expect(answer.length).toBe(0);
  expect(await log.waitFor(/ from /)).toMatch(/^0 bytes from 127\.0\.0\.1:\d+: \(empty\)$/);
});

test('a 60,000-byte datagram and a 65,507-byte one come back whole; --buffer 1024 tells what recvfrom would lose', async () => {
  // Checks big datagrams up to the IPv4 maximum, and the --buffer note on them.
  const { port, log } = await startEcho({ bufferBytes: 1024 });
  const client = await boundSocket();
  const sent = Buffer.alloc(60_000);
  for (let i = 0; i < sent.length; i++) sent[i] = i % 251;
  const answer = await roundTrip(client, port, sent);
  expect(answer.equals(sent)).toBe(true);
  expect(await log.waitFor(/ from /)).toMatch(
    /^60000 bytes from .*\(recvfrom\(1024\) would keep 1024 and drop 58976\)$/,
  );
  const largest = Buffer.alloc(65_507, 'm'); // the most one IPv4 datagram can carry
  expect((await roundTrip(client, port, largest)).equals(largest)).toBe(true);
});

test('bytes that are not UTF-8, and control characters, are logged escaped and echoed as they are', async () => {
  // Checks that hostile bytes are escaped in the log and still echoed unchanged.
  const { port, log } = await startEcho();
  const client = await boundSocket();
  const sent = Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x0a]);
  const answer = await roundTrip(client, port, sent);
  expect(answer.equals(sent)).toBe(true);
  expect(await log.waitFor(/ from /)).toMatch(/: hi\\xff\\xfe\\x1b\[2J\\n$/);
});

test('describeDatagram counts bytes, and notes a recvfrom(N) cut only past N bytes', () => {
  // Checks the log line's wording at the edges: 1 byte, exactly N, N + 1.
  const from = '127.0.0.1:5000';
  expect(describeDatagram(Buffer.alloc(1024, 'a'), from, 1024)).not.toMatch(/recvfrom/);
  expect(describeDatagram(Buffer.alloc(1025, 'a'), from, 1024)).toMatch(
    /\(recvfrom\(1024\) would keep 1024 and drop 1\)$/,
  );
  expect(describeDatagram(Buffer.alloc(1025, 'a'), from)).not.toMatch(/recvfrom/);
  expect(describeDatagram(Buffer.from('1'), from)).toBe('1 byte from 127.0.0.1:5000: 1');
});

test('keeps answering after a burst of 10,000 datagrams', async () => {
  // Checks that 10,000 datagrams as fast as they go leave the server answering.
  const { port, log } = await startEcho();
  // Sent as fast as the socket takes them. Some may be dropped when a receive buffer
  // fills: that is UDP, and the test only asks that the server survives and answers.
  const BURST = 10_000;
  const to = { host: HOST, port };
  const { answers, answer } = await burstThenAsk(to, BURST, (i) => `burst ${i}`, 'still there?');
  expect(answer).toBe('still there?');
  expect(answers).toBeGreaterThan(0);
  expect(log.entries.length).toBeLessThanOrEqual(BURST + 1);
  expect(log.entries.at(-1)).toMatch(/: still there\?$/);
});

test.skipIf(!(await hasIPv6()))('works over IPv6 (::1)', async () => {
  // Checks the echo and the bracketed address in the log over IPv6.
  const { port, log } = await startEcho({}, '::1');
  const client = await boundSocket('::1');
  const answer = await roundTrip(client, port, 'six', '::1');
  expect(answer.toString()).toBe('six');
  expect(await log.waitFor(/ from /)).toMatch(/^3 bytes from \[::1\]:\d+: six$/);
});
