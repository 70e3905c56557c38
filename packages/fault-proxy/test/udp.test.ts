// The UDP proxy in this process, on real loopback sockets bound to port 0: datagrams through
// whole, one upstream socket per client, then each fault at its rate as the receiver counts
// it. Seeded, so every count here is the same on every run; the 3-sigma bounds say the
// decider is fair, and would hold for any seed.
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { hasIPv6 } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { datagramRandom, decideDatagram, type Faults } from '../src/faults.js';
import { REORDER_HOLD_MS } from '../src/udp-proxy.js';
import {
  cleanUp,
  faults,
  HOST,
  numbered,
  numberOf,
  sendNumbered,
  startProxy,
  udpPeer,
  udpSocket,
} from './helpers.js';

afterEach(cleanUp);

/** True when `observed` is within 3 standard deviations of n·p (a binomial count). */
function withinThreeSigma(observed: number, n: number, p: number): boolean {
  return Math.abs(observed - n * p) <= 3 * Math.sqrt(n * p * (1 - p));
}

/** Sends `n` numbered datagrams one way through a proxy with `faults` to a silent sink. */
async function oneWay(faults: Partial<Faults>, n: number, seed = 1) {
  const sink = await udpPeer();
  const { proxy, events } = await startProxy({
    to: { host: HOST, port: sink.port },
    udp: true,
    faults,
    seed,
  });
  const client = await udpSocket();
  await sendNumbered(client, proxy, events, sink, 1, n);
  // Everything the proxy sent (now, or once held or delayed) has reached the sink.
  const c = proxy.counters['client→server'];
  await sink.datagrams.until(
    () => c.received === c.forwarded + c.dropped && sink.datagrams.entries.length >= c.bytes / 64,
    'every datagram forwarded and arrived',
  );
  return { proxy, numbers: sink.datagrams.entries.map((d) => numberOf(d.data)), sink };
}

test('datagrams go through whole, both ways, each client through its own upstream socket', async () => {
  // Checks the UDP proxy's basic promise: answers reach the right client, from the proxy.
  const echo = await udpPeer({ echo: true });
  const { proxy, log } = await startProxy({ to: { host: HOST, port: echo.port }, udp: true });
  const clients = [await udpSocket(), await udpSocket()];
  for (const [i, client] of clients.entries()) {
    for (const text of [`hello from ${i}`, '', 'x'.repeat(2000)]) {
      const answer = once(client, 'message');
      client.send(text, proxy.port, HOST);
      const [data, rinfo] = (await answer) as [Buffer, { port: number }];
      expect(data.toString()).toBe(text);
      expect(rinfo.port).toBe(proxy.port); // the answer comes from the proxy
    }
  }
  const sources = new Set(echo.datagrams.entries.map((d) => d.from));
  expect(sources.size).toBe(2); // one upstream socket per client
  for (const client of clients) expect(sources).not.toContain(`${HOST}:${client.address().port}`);
  expect(proxy.counters['client→server']).toMatchObject({ received: 6, forwarded: 6 });
  expect(proxy.counters['server→client']).toMatchObject({ received: 6, forwarded: 6 });
  expect(log.entries).toContainEqual(
    expect.stringMatching(
      /^client 2 is 127\.0\.0\.1:\d+; upstream 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+$/,
    ),
  );
});

test('--loss 0.3 over 2,000 datagrams one way loses within 3 standard deviations of 600', async () => {
  // Checks the loss rate as the receiver sees it, and that the counters agree with it.
  const { proxy, numbers } = await oneWay({ loss: 0.3 }, 2000);
  const lost = 2000 - numbers.length;
  expect(withinThreeSigma(lost, 2000, 0.3), `${lost} lost`).toBe(true);
  expect(proxy.counters['client→server'].dropped).toBe(lost);
  expect(new Set(numbers).size).toBe(numbers.length); // no copies, in order
  expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
});

test('two runs with the same seed drop the same datagrams; another seed drops others', async () => {
  // Checks that --seed makes a run repeatable, so a demo can promise what the learner sees.
  const run = async (seed: number) => (await oneWay({ loss: 0.3 }, 300, seed)).numbers;
  const first = await run(7);
  expect(await run(7)).toEqual(first);
  expect(await run(8)).not.toEqual(first);
  // And they are the datagrams the decider picks for that seed, client 1, in order.
  const kept = Array.from({ length: 300 }, (_, i) => i + 1).filter(
    (n) =>
      !decideDatagram(faults({ loss: 0.3 }), datagramRandom(7, 1, 'client→server', n), 64).drop,
  );
  expect(first).toEqual(kept);
});

test('--duplicate 0.2: the receiver gets copies of about a fifth of 1,000 datagrams', async () => {
  // Checks the duplicate rate as the receiver counts it.
  const { numbers, proxy } = await oneWay({ duplicate: 0.2 }, 1000);
  const copies = numbers.length - new Set(numbers).size;
  expect(withinThreeSigma(copies, 1000, 0.2), `${copies} copies`).toBe(true);
  expect(proxy.counters['client→server'].duplicated).toBe(copies);
});

test('--reorder 0.2: about a fifth of 1,000 datagrams arrive after a later one', async () => {
  // Checks the reorder rate as the receiver sees it: a datagram that comes after a higher
  // number was held back. The last ones held go out alone after REORDER_HOLD_MS.
  const { numbers, proxy } = await oneWay({ reorder: 0.2 }, 1000);
  expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  let highest = 0;
  let late = 0;
  for (const n of numbers) {
    if (n < highest) late += 1;
    highest = Math.max(highest, n);
  }
  expect(withinThreeSigma(late, 1000, 0.2), `${late} late`).toBe(true);
  const reordered = proxy.counters['client→server'].reordered;
  expect(withinThreeSigma(reordered, 1000, 0.2)).toBe(true);
  expect(reordered - late).toBeGreaterThanOrEqual(0); // a held one at the very end is not late
  expect(reordered - late).toBeLessThanOrEqual(3);
});

test('--reorder: the receiver sees exactly the order the seeded decisions predict', async () => {
  // Checks "hold it back, send it after the next one", datagram by datagram.
  const f = faults({ reorder: 0.3 });
  const { numbers } = await oneWay(f, 40, 3);
  const expected: number[] = [];
  let held: number[] = [];
  for (let n = 1; n <= 40; n++) {
    if (decideDatagram(f, datagramRandom(3, 1, 'client→server', n), 64).reorder) held.push(n);
    else {
      expected.push(n, ...held);
      held = [];
    }
  }
  expected.push(...held); // released by the hold timer
  expect(numbers).toEqual(expected);
  expect(numbers).not.toEqual([...numbers].sort((a, b) => a - b));
});

test('a datagram held by --reorder with nothing after it goes out alone after REORDER_HOLD_MS', async () => {
  // Checks that a reordered datagram at the end of a flow is late, not lost.
  const sink = await udpPeer();
  const { proxy } = await startProxy({
    to: { host: HOST, port: sink.port },
    udp: true,
    faults: { reorder: 1 },
  });
  const client = await udpSocket();
  const start = performance.now();
  client.send('alone', proxy.port, HOST);
  await sink.datagrams.count(1);
  expect(performance.now() - start).toBeGreaterThanOrEqual(REORDER_HOLD_MS);
  expect(sink.datagrams.entries[0]?.data.toString()).toBe('alone');
});

test('--corrupt 1 flips exactly one bit of every datagram', async () => {
  // Checks the corruption: same length, one bit different, and counted.
  const { sink, proxy } = await oneWay({ corrupt: 1 }, 100);
  expect(sink.datagrams.entries.length).toBe(100);
  for (const [i, { data }] of sink.datagrams.entries.entries()) {
    const sent = numbered(i + 1);
    expect(data.length).toBe(sent.length);
    let bits = 0;
    for (let b = 0; b < data.length; b++) {
      bits += ((data[b] as number) ^ (sent[b] as number)).toString(2).replaceAll('0', '').length;
    }
    expect(bits).toBe(1);
  }
  expect(proxy.counters['client→server'].corrupted).toBe(100);
});

test('--delay 0.1 holds each datagram at least 0.1 s each way; --jitter spreads it', async () => {
  // Checks the delay as a lower bound on every round trip.
  const echo = await udpPeer({ echo: true });
  const { proxy, events } = await startProxy({
    to: { host: HOST, port: echo.port },
    udp: true,
    faults: { delayMs: 100, jitterMs: 20 },
  });
  const client = await udpSocket();
  for (let i = 0; i < 3; i++) {
    const answer = once(client, 'message');
    const start = performance.now();
    client.send(`ping ${i}`, proxy.port, HOST);
    await answer;
    expect(performance.now() - start).toBeGreaterThanOrEqual(160);
  }
  const delays = events.entries.flatMap((e) => (e.kind === 'delay' ? [e.ms] : []));
  expect(delays.length).toBe(6);
  for (const ms of delays) {
    expect(ms).toBeGreaterThanOrEqual(80);
    expect(ms).toBeLessThanOrEqual(120);
  }
});

test('a client silent for --idle-timeout is forgotten; its next datagram gets a new upstream socket', async () => {
  // Checks the expiry, waiting on the proxy's own log line, not on a clock.
  const echo = await udpPeer({ echo: true });
  const { proxy, log } = await startProxy({
    to: { host: HOST, port: echo.port },
    udp: true,
    idleTimeoutMs: 200,
  });
  const client = await udpSocket();
  for (const text of ['before', 'after']) {
    const answer = once(client, 'message');
    client.send(text, proxy.port, HOST);
    expect(((await answer)[0] as Buffer).toString()).toBe(text);
    await log.waitFor(
      /^client \d \(127\.0\.0\.1:\d+\): silent for 0\.2 s: forgotten$/,
      text === 'before' ? 1 : 2,
    );
  }
  const [first, second] = echo.datagrams.entries.map((d) => d.from);
  expect(first).not.toBe(second);
});

test('an unreachable server is logged per client; the proxy stays up', async () => {
  // Checks that ICMP "port unreachable" (ECONNREFUSED on the connected socket) is reported.
  const gone = await udpSocket();
  const port = gone.address().port;
  await cleanUp(); // nothing listens there now
  const { proxy, log } = await startProxy({ to: { host: HOST, port }, udp: true });
  const client = await udpSocket();
  for (const count of [1, 2]) {
    client.send('anyone?', proxy.port, HOST);
    await log.waitFor(
      /refused a datagram \(ICMP port unreachable: is the server running\?\); closing its upstream socket$/,
      count,
    );
  }
  expect(log.entries.filter((l) => /^client \d is /.test(l)).length).toBe(2);
});

test.skipIf(!(await hasIPv6()))('listens on ::1 and forwards to an IPv4 server', async () => {
  // Checks --host ::1 for UDP: the listening socket is udp6, the upstream udp4.
  const echo = await udpPeer({ echo: true });
  const { proxy } = await startProxy({ to: `127.0.0.1:${echo.port}`, udp: true, host: '::1' });
  const client = await udpSocket('::1');
  const answer = once(client, 'message');
  client.send('over IPv6', proxy.port, '::1');
  expect(((await answer)[0] as Buffer).toString()).toBe('over IPv6');
});
