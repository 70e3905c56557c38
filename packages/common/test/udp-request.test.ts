// UdpRequester against small scripted servers on 127.0.0.1 port 0: an answer, a lost try
// and its resend, a request nobody answers, and the datagrams it must not take as the answer
// (from someone else, or from the server but not matching). Then askEach, the request loop
// the UDP clients share, and the flags and words that go with it.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, expect, test } from 'vitest';
import { hasIPv6, Recorder } from '../src/testing.js';
import {
  type AskOptions,
  askEach,
  describeLoss,
  describeUdpEvent,
  MAX_UDP_PAYLOAD_IPV4,
  MAX_UDP_PAYLOAD_IPV6,
  readRetryFlags,
  type UdpEvent,
  type UdpReply,
  UdpRequester,
} from '../src/udp-request.js';

const HOST = '127.0.0.1';
const opened: { close: () => unknown }[] = [];
afterEach(async () => {
  for (const thing of opened.splice(0)) await thing.close();
});

/** A UDP socket on port 0 whose datagrams `answer` handles (`null`: never answers). */
async function scriptedServer(
  answer: ((data: Buffer, from: dgram.RemoteInfo, socket: dgram.Socket) => void) | null,
  host = HOST,
) {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const received: { data: Buffer; port: number }[] = [];
  socket.on('message', (data, from) => {
    received.push({ data, port: from.port });
    answer?.(data, from, socket);
  });
  socket.bind(0, host);
  await once(socket, 'listening');
  opened.push({ close: () => new Promise<void>((resolve) => socket.close(() => resolve())) });
  return { socket, port: socket.address().port, received };
}

/** A requester whose events a test can read, or wait for. */
async function requester(port: number, host = HOST) {
  const events = new Recorder<UdpEvent>();
  const client = await UdpRequester.open(host, port, events.push);
  opened.push(client);
  const nextEvent = (kind: UdpEvent['kind']) => events.waitFor((e) => e.kind === kind);
  return { client, events, nextEvent };
}

const echo = (data: Buffer, from: dgram.RemoteInfo, socket: dgram.Socket) =>
  socket.send(data, from.port, from.address);

test('takes the answer from the server, on the first try, with its round-trip time', async () => {
  // Checks the plain case: one try, the server's answer, an RTT.
  const server = await scriptedServer(echo);
  const { client, events } = await requester(server.port);
  const outcome = await client.request(Buffer.from('hello'), { timeoutMs: 5000, retries: 2 });
  expect(outcome).toMatchObject({ ok: true, from: `127.0.0.1:${server.port}`, tries: 1 });
  expect(outcome.ok && outcome.answer.toString()).toBe('hello');
  expect(outcome.ok && outcome.rttMs).toBeGreaterThan(0);
  expect(events.entries).toEqual([]);
});

test('sends again when a try goes unanswered, and gives no round-trip time then', async () => {
  // The server "loses" the first datagram and answers every later one.
  const server = await scriptedServer((data, from, socket) => {
    if (server.received.length > 1) echo(data, from, socket);
  });
  const { client, events } = await requester(server.port);
  const outcome = await client.request(Buffer.from('again'), { timeoutMs: 200, retries: 5 });
  expect(outcome.ok).toBe(true);
  expect(outcome.tries).toBeGreaterThanOrEqual(2);
  expect(outcome.ok && outcome.rttMs).toBeNull();
  expect(events.entries[0]).toEqual({ kind: 'retry', attempt: 2, attempts: 6, timeoutMs: 200 });
});

test('reports a request as lost after every try went unanswered', async () => {
  // Checks that a silent server costs exactly retries + 1 tries, then ok: false.
  const server = await scriptedServer(null);
  const { client, events } = await requester(server.port);
  const outcome = await client.request(Buffer.from('anyone?'), { timeoutMs: 50, retries: 2 });
  expect(outcome).toEqual({ ok: false, tries: 3 });
  expect(events.entries.map((e) => e.kind)).toEqual(['retry', 'retry']);
});

test('ignores a datagram from anyone but the server', async () => {
  // Checks rule 1 of the answer matching: the source address.
  let intruderSent = false;
  const intruder = await scriptedServer(null);
  const server = await scriptedServer((data, from, socket) => {
    // Before answering, a third party writes to the client's port.
    intruder.socket.send('not me', from.port, from.address);
    intruderSent = true;
    ignored.then(() => echo(data, from, socket));
  });
  const { client, nextEvent } = await requester(server.port);
  const ignored = nextEvent('ignored');
  const outcome = await client.request(Buffer.from('real'), { timeoutMs: 5000, retries: 0 });
  expect(intruderSent).toBe(true);
  expect(await ignored).toEqual({
    kind: 'ignored',
    reason: 'foreign',
    from: `127.0.0.1:${intruder.port}`,
    data: Buffer.from('not me'),
  });
  expect(outcome.ok && outcome.answer.toString()).toBe('real');
});

test('ignores a datagram from the server that isAnswer rejects, then takes the real one', async () => {
  // Checks rule 2 of the answer matching: the caller's isAnswer.
  const server = await scriptedServer((data, from, socket) => {
    socket.send('an old answer', from.port, from.address);
    ignored.then(() => echo(data, from, socket));
  });
  const { client, nextEvent } = await requester(server.port);
  const ignored = nextEvent('ignored');
  const outcome = await client.request(Buffer.from('new'), {
    timeoutMs: 5000,
    retries: 0,
    isAnswer: (answer, request) => answer.equals(request),
  });
  expect(await ignored).toMatchObject({
    reason: 'not-the-answer',
    data: Buffer.from('an old answer'),
  });
  expect(outcome.ok && outcome.answer.toString()).toBe('new');
});

test('after a lost request the next one leaves from a new port; after an answer it does not', async () => {
  // Answers everything except the datagram "drop".
  const server = await scriptedServer((data, from, socket) => {
    if (data.toString() !== 'drop') echo(data, from, socket);
  });
  const { client } = await requester(server.port);
  const patient = { timeoutMs: 5000, retries: 0 }; // answered: a slow machine must not matter
  expect((await client.request(Buffer.from('one'), patient)).ok).toBe(true);
  expect((await client.request(Buffer.from('two'), patient)).ok).toBe(true);
  expect((await client.request(Buffer.from('drop'), { timeoutMs: 50, retries: 0 })).ok).toBe(false);
  expect((await client.request(Buffer.from('three'), patient)).ok).toBe(true);
  const ports = server.received.map((r) => r.port);
  expect(ports[1]).toBe(ports[0]);
  expect(ports[2]).toBe(ports[0]);
  expect(ports[3]).not.toBe(ports[2]);
  expect(client.localPort()).toBe(ports[3]);
});

test('a datagram too large for UDP is refused with one clear line, and the next one works', async () => {
  // Checks the one failure that rejects: a datagram the OS refuses to send.
  const server = await scriptedServer(echo);
  const { client } = await requester(server.port);
  const tooBig = Buffer.alloc(MAX_UDP_PAYLOAD_IPV4 + 1);
  const err = await client.request(tooBig, { timeoutMs: 1000, retries: 0 }).catch((e) => e);
  expect((err as Error).message).toBe(
    `cannot send 65508 bytes to 127.0.0.1:${server.port}: too long for one UDP datagram (at most 65507 over IPv4)`,
  );
  const largest = Buffer.alloc(MAX_UDP_PAYLOAD_IPV4, 'x');
  const outcome = await client.request(largest, { timeoutMs: 5000, retries: 0 });
  expect(outcome.ok && outcome.answer.equals(largest)).toBe(true);
});

test.skipIf(!(await hasIPv6()))(
  'works over IPv6 (::1), where a datagram can be 20 bytes larger',
  async () => {
    // Checks the IPv6 path and its larger datagram limit.
    const server = await scriptedServer(echo, '::1');
    const { client } = await requester(server.port, '::1');
    const outcome = await client.request(Buffer.from('six'), { timeoutMs: 5000, retries: 0 });
    expect(outcome).toMatchObject({ ok: true, from: `[::1]:${server.port}` });
    const tooBig = Buffer.alloc(MAX_UDP_PAYLOAD_IPV6 + 1);
    const err = await client.request(tooBig, { timeoutMs: 1000, retries: 0 }).catch((e) => e);
    expect((err as Error).message).toMatch(
      /too long for one UDP datagram \(at most 65527 over IPv6\)$/,
    );
  },
);

/**
 * askEach over `texts` (as a client's line reader would give them) to the server on `port`,
 * with what a test checks: the notes, how many requests were read, and whether the socket
 * it opened is closed by now.
 */
function askAll(
  port: number,
  texts: (string | Buffer)[],
  patience: Pick<AskOptions, 'timeoutMs' | 'retries'>,
) {
  const read: string[] = [];
  async function* requests(): AsyncGenerator<Buffer> {
    for (const text of texts) {
      read.push(typeof text === 'string' ? text : `(${text.length} bytes)`);
      yield Buffer.from(text);
    }
  }
  const note = new Recorder();
  let requester: UdpRequester | undefined;
  const replies = askEach(requests(), {
    host: HOST,
    port,
    ...patience,
    note: note.push,
    opened: (r) => {
      requester = r;
    },
  });
  const isClosed = async () => {
    const probe = requester?.request(Buffer.from('more'), { timeoutMs: 50, retries: 0 });
    const err = await probe?.catch((e: Error) => e);
    return (err as Error | undefined)?.message === 'the requester is closed';
  };
  return { replies, read, note, isClosed };
}

test('askEach yields each reply before it reads the next request, and closes its socket at the end', async () => {
  // Checks the loop's order (at a prompt, an answer prints before the next prompt), a refused
  // datagram that does not end the run, the opened hook, and the close when requests run out.
  const server = await scriptedServer(echo);
  const tooBig = Buffer.alloc(MAX_UDP_PAYLOAD_IPV4 + 1);
  const run = askAll(server.port, ['one', tooBig, 'two'], { timeoutMs: 5000, retries: 0 });
  const seen: { kind: UdpReply['kind']; readSoFar: number }[] = [];
  for await (const reply of run.replies) {
    seen.push({ kind: reply.kind, readSoFar: run.read.length });
    if (reply.kind === 'answered') {
      expect(reply).toMatchObject({ from: `127.0.0.1:${server.port}`, tries: 1 });
      expect(reply.answer.equals(reply.request)).toBe(true);
    }
    if (reply.kind === 'refused') {
      expect(reply.message).toMatch(/^cannot send 65508 bytes to .*too long for one UDP datagram/);
    }
  }
  expect(seen).toEqual([
    { kind: 'answered', readSoFar: 1 },
    { kind: 'refused', readSoFar: 2 },
    { kind: 'answered', readSoFar: 3 },
  ]);
  expect(run.note.entries).toEqual([]);
  expect(await run.isClosed()).toBe(true);
});

test('askEach tells a lost request with its tries and target, notes the retries, and closes when the caller stops early', async () => {
  // Checks the lost reply against a server that never answers, the retry note, and the close
  // when the caller breaks out of the loop before the requests run out.
  const server = await scriptedServer(null);
  const run = askAll(server.port, ['anyone?', 'never read'], { timeoutMs: 50, retries: 1 });
  for await (const reply of run.replies) {
    expect(reply).toEqual({
      kind: 'lost',
      request: Buffer.from('anyone?'),
      tries: 2,
      timeoutMs: 50,
      target: `127.0.0.1:${server.port}`,
    });
    break;
  }
  expect(run.read).toEqual(['anyone?']);
  expect(run.note.entries).toEqual(['no answer within 0.05 s, sending again (try 2 of 2)']);
  expect(await run.isClosed()).toBe(true);
});

test("describeUdpEvent words each event in one line, with the caller's words for a wrong answer", () => {
  // Checks the notes a user reads on stderr while a request is under way.
  const wrong = (data: Buffer) => `not the echo of this message ("${data}")`;
  expect(describeUdpEvent({ kind: 'retry', attempt: 2, attempts: 3, timeoutMs: 500 }, wrong)).toBe(
    'no answer within 0.5 s, sending again (try 2 of 3)',
  );
  const data = Buffer.from('late');
  const from = '127.0.0.1:9';
  expect(describeUdpEvent({ kind: 'ignored', reason: 'foreign', from, data }, wrong)).toBe(
    'ignored 4 bytes from 127.0.0.1:9: not the server',
  );
  expect(describeUdpEvent({ kind: 'ignored', reason: 'not-the-answer', from, data }, wrong)).toBe(
    'ignored 4 bytes from 127.0.0.1:9: not the echo of this message ("late")',
  );
  expect(describeUdpEvent({ kind: 'socket-error', message: 'EPERM' }, wrong)).toBe(
    'socket error: EPERM',
  );
});

test('describeLoss says how many tries of how long, and where they went, in one line', () => {
  // Checks the line both UDP clients print on stderr for a request that got no answer.
  const lost = { kind: 'lost', request: Buffer.from('hi'), target: '127.0.0.1:9' } as const;
  expect(describeLoss({ ...lost, tries: 1, timeoutMs: 150 })).toBe(
    'no answer after 1 try of 0.15 s: lost on the way there or back, or nothing listens on 127.0.0.1:9',
  );
  expect(describeLoss({ ...lost, tries: 3, timeoutMs: 1000 }, ' to "hi"')).toBe(
    'no answer to "hi" after 3 tries of 1 s: lost on the way there or back, or nothing listens on 127.0.0.1:9',
  );
});

test('readRetryFlags takes seconds and a count, and refuses a zero timeout or a count past 100', () => {
  // Checks the two flags every UDP client takes, and their usage errors.
  expect(readRetryFlags({ timeout: '0.25', retries: '0' })).toEqual({ timeoutMs: 250, retries: 0 });
  expect(() => readRetryFlags({ timeout: '0', retries: '2' })).toThrow(
    '--timeout must be more than 0 seconds',
  );
  expect(() => readRetryFlags({ timeout: '1', retries: '101' })).toThrow(
    /^--retries must be a whole number from 0 to 100 \(got "101"\)$/,
  );
  expect(() => readRetryFlags({ timeout: 'soon', retries: '2' })).toThrow(/^--timeout must be/);
});
