// The time server: answerTime's rules as plain function calls, then the server in-process
// on 127.0.0.1 port 0 with the clock fixed, sent the datagrams a naive server trips over.
import { burstThenAsk, hasIPv6 } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { answerTime, MAX_ANSWER_BYTES, MAX_FORMAT_BYTES } from '../src/server.js';
import { TimeZone } from '../src/time-format/zone.js';
import { ask, boundSocket, closeAll, FIXED_MS, HOST, startTime } from './helpers.js';

afterEach(closeAll);

const now = () => TimeZone.utc().fieldsAt(FIXED_MS);
const answer = (request: string | Buffer) => answerTime(Buffer.from(request), now);

test('a format gets the time in that format; an empty one gets "%Y-%m-%d %X"', () => {
  // Checks the seed's contract: the format in, the time out, and the empty format's default.
  expect(answer('%H:%M')).toEqual({ text: '22:13', ok: true });
  expect(answer('')).toEqual({ text: '2023-11-14 22:13:20', ok: true });
  expect(answer('今天是%A')).toEqual({ text: '今天是Tuesday', ok: true });
});

test('formats and answers are bounded, and the error answers are short', () => {
  // Checks both size limits exactly at their edges, and the width refusal.
  expect(answer('x'.repeat(MAX_FORMAT_BYTES)).ok).toBe(true);
  expect(answer('x'.repeat(MAX_FORMAT_BYTES + 1))).toEqual({
    text: 'error: format too long (257 bytes, at most 256)',
    ok: false,
  });
  // 2 bytes of %c become 24: 43 of them would be 1,032 bytes.
  expect(answer('%c'.repeat(42)).text.length).toBe(42 * 24);
  expect(answer('%c'.repeat(43))).toEqual({
    text: `error: answer too long (1032 bytes, at most ${MAX_ANSWER_BYTES})`,
    ok: false,
  });
  expect(answer('%5000Y')).toEqual({
    text: 'error: field widths such as %5000Y are not supported',
    ok: false,
  });
});

test('bytes that are not UTF-8, or a NUL, get an error answer instead of an exception', () => {
  // Checks the two inputs that stopped the seed's server.
  expect(answer(Buffer.from([0x25, 0x59, 0xff]))).toEqual({
    text: 'error: format is not valid UTF-8',
    ok: false,
  });
  expect(answer(Buffer.from([0xed, 0xa0, 0x80]))).toMatchObject({ ok: false }); // a lone surrogate
  expect(answer('%Y\0%m')).toEqual({ text: 'error: format contains a NUL byte', ok: false });
});

test('answers each datagram to its sender and logs the question and the answer', async () => {
  // Checks the answers and the log lines over a real socket.
  const { port, log } = await startTime(TimeZone.named('Asia/Shanghai'));
  const client = await boundSocket();
  expect(await ask(client, port, '%Y-%m-%d %H:%M:%S %Z')).toBe('2023-11-15 06:13:20 CST');
  expect(await ask(client, port, '')).toBe('2023-11-15 06:13:20');
  expect(log.entries).toEqual([
    `127.0.0.1:${client.address().port} asked "%Y-%m-%d %H:%M:%S %Z" → "2023-11-15 06:13:20 CST"`,
    `127.0.0.1:${client.address().port} asked (empty: the default format) → "2023-11-15 06:13:20"`,
  ]);
});

test('the answer follows the clock from one second to the next', async () => {
  // Checks that the answers kept for a second (src/answer-cache.ts) never outlive it: the
  // same question asked as the clock moves on gets the new time.
  let clockMs = FIXED_MS;
  const { port } = await startTime(TimeZone.utc(), HOST, () => clockMs);
  const client = await boundSocket();
  expect(await ask(client, port, '%H:%M:%S')).toBe('22:13:20');
  clockMs += 999;
  expect(await ask(client, port, '%H:%M:%S')).toBe('22:13:20');
  clockMs += 1;
  expect(await ask(client, port, '%H:%M:%S')).toBe('22:13:21');
  clockMs += 3_600_000;
  expect(await ask(client, port, '%H:%M:%S')).toBe('23:13:21');
});

test('bad input over the wire: non-UTF-8, a 5,000-byte format, a 60,000-byte datagram', async () => {
  // Checks the bad inputs over a real socket, then that a good question still works.
  const { port, log } = await startTime();
  const client = await boundSocket();
  expect(await ask(client, port, Buffer.from([0xc3, 0x28]))).toBe(
    'error: format is not valid UTF-8',
  );
  expect(await ask(client, port, '%Y'.repeat(2500))).toBe(
    'error: format too long (5000 bytes, at most 256)',
  );
  expect(await ask(client, port, Buffer.alloc(60_000, '%'))).toBe(
    'error: format too long (60000 bytes, at most 256)',
  );
  expect(await ask(client, port, '%Y')).toBe('2023');
  expect(log.entries[0]).toMatch(/asked "\\xc3\(" → "error: format is not valid UTF-8"$/);
});

test('keeps answering after a burst of 10,000 datagrams', async () => {
  // Checks that 10,000 mixed datagrams (good, bad, too long) leave the server answering.
  const { port, log } = await startTime();
  // As fast as the socket takes them; some may be dropped when a buffer fills, which is
  // UDP. The test asks only that the server survives it and answers afterwards.
  const formats = ['%c', '', Buffer.from([0xff]), '%Y'.repeat(200), '%f'];
  const BURST = 10_000;
  const format = (i: number) => formats[i % formats.length] as string | Buffer;
  const { answers, answer } = await burstThenAsk({ host: HOST, port }, BURST, format, '%H:%M:%S');
  expect(answer).toBe('22:13:20');
  expect(answers).toBeGreaterThan(0);
  expect(log.entries.length).toBeLessThanOrEqual(BURST + 11);
});

test.skipIf(!(await hasIPv6()))('works over IPv6 (::1)', async () => {
  // Checks an answer and the bracketed address in the log over IPv6.
  const { port, log } = await startTime(TimeZone.utc(), '::1');
  const client = await boundSocket('::1');
  expect(await ask(client, port, '%Z', '::1')).toBe('UTC');
  expect(log.entries[0]).toMatch(/^\[::1\]:\d+ asked "%Z" → "UTC"$/);
});
