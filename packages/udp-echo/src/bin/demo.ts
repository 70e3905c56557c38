// `pnpm --filter udp-echo demo`: the echo server and client in one process on free loopback
// ports. Five scenes: plain echo, seed 002's upper-casing server, seed 003's 2000-byte
// datagram against a recvfrom(1024) buffer, a message to a port where nothing listens, and
// five messages through fault-proxy losing 30% of the datagrams, the same ones every run.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { bindUdp, exitQuietlyWhenStdoutCloses } from '@socket-lab/common';
import { formatEvent, startFaultProxy } from 'fault-proxy';
import { type EchoClientResult, runEchoClient } from '../client.js';
import { type EchoServerOptions, serveEcho } from '../server.js';

exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine

const HOST = '127.0.0.1';
/** fault-proxy --loss 30%: enough that some messages need a second try and one gets none. */
const LOSS = 0.3;
/**
 * The proxy draws each datagram's fate from (seed, client, direction, datagram number), so
 * seed 7 drops the same datagrams every run: `one` is lost three times (once on its way
 * back), `two` and `four` on their first try. Another seed tells another story.
 */
const PROXY_SEED = 7;
/**
 * Half a second per try keeps the scene near 2.5 s (five timeouts). On loopback an echo
 * through the proxy takes about a millisecond, so only a dropped datagram waits this long,
 * even on a busy machine; an answer later than this would be a retry the seed did not plan.
 */
const LOSSY_TIMEOUT_MS = 500;
const server = (line: string) => console.log(`  server │ ${line}`);
const client = (line: string) => console.log(`  client │ ${line}`);
const proxy = (line: string) => console.log(`   proxy │ ${line}`);

/** The lines a person would type, echoed as if typed at the prompt. */
async function* typed(lines: string[]): AsyncGenerator<string> {
  for (const line of lines) {
    client(`>> ${line.length > 60 ? `${line.slice(0, 20)}… (${line.length} characters)` : line}`);
    yield line;
  }
}

async function scene(title: string, opts: EchoServerOptions, lines: string[]): Promise<void> {
  console.log(`\n${title}`);
  const { socket, address } = await bindUdp({ host: HOST, port: 0, log: server });
  serveEcho(socket, { ...opts, log: server });
  await runEchoClient({
    host: HOST,
    port: address.port,
    lines: typed(lines),
    out: client,
    note: client,
  });
  socket.close();
}

console.log('udp-echo: every datagram comes back whole, or not at all (seeds 001, 002, 003)');
await scene(
  '1. one line, one datagram, one echo; an empty line is skipped and "exit" is never sent',
  {},
  ['hello', 'UDP keeps message boundaries', '', 'exit', 'this line is never sent'],
);
await scene("2. seed 002's server answers upper-cased (start --upper)", { upper: true }, [
  'hello from seed 002',
]);
await scene(
  "3. seed 003's 2000-byte datagram: Node gets all of it; Python's recvfrom(1024) would not",
  { bufferBytes: 1024 },
  ['v'.repeat(2000)],
);

console.log(
  '\n4. a port where nothing listens: no error comes back, only silence (--timeout 0.3 --retries 1)',
);
const probe = dgram.createSocket('udp4');
probe.bind(0, HOST);
await once(probe, 'listening');
const deadPort = probe.address().port;
await new Promise<void>((resolve) => probe.close(() => resolve())); // now nothing listens there
const result = await runEchoClient({
  host: HOST,
  port: deadPort,
  lines: typed(['is anyone there?']),
  timeoutMs: 300,
  retries: 1,
  out: client,
  note: client,
});

console.log(
  `\n5. through fault-proxy --udp --loss ${LOSS * 100}% --seed ${PROXY_SEED}: timeouts, retries, a loss (--timeout ${LOSSY_TIMEOUT_MS / 1000})`,
);
const lossy = await throughLossyProxy(['one', 'two', 'three', 'four', 'five']);

// The losses are the lesson, not a failure: fail only if the seed stopped telling its story.
process.exitCode = result.unanswered === 1 && lossy.unanswered === 1 ? 0 : 1;

/**
 * Scene 5: the client sends to fault-proxy, which forwards to the server and drops 30% of
 * the datagrams, either way. The proxy's drops print as `--trace` prints them; the client
 * cannot tell which way a datagram was lost, the proxy can.
 */
async function throughLossyProxy(lines: string[]): Promise<EchoClientResult> {
  const { socket, address } = await bindUdp({ host: HOST, port: 0, log: server });
  serveEcho(socket, { log: server });
  const faulty = await startFaultProxy({
    to: { host: HOST, port: address.port },
    udp: true,
    faults: { loss: LOSS },
    seed: PROXY_SEED,
    onEvent: (event) => {
      if (event.kind === 'drop') proxy(formatEvent(event) ?? event.kind);
    },
  });
  const lossy = await runEchoClient({
    host: HOST,
    port: faulty.port,
    lines: typed(lines),
    timeoutMs: LOSSY_TIMEOUT_MS,
    out: client,
    note: client,
  });
  // What the proxy counted: more datagrams than messages, because every retry is one more.
  for (const line of faulty.summary()) proxy(line);
  console.log(
    '   "one" reached the server once, but its echo was dropped: the client cannot tell a lost',
  );
  console.log(
    '   message from a lost echo; the proxy can. The same seed drops the same datagrams.',
  );
  await faulty.close();
  socket.close();
  return lossy;
}
