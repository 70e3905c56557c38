// `pnpm --filter udp-echo demo`: the echo server and client in one process on free loopback
// ports. Four scenes: plain echo, seed 002's upper-casing server, seed 003's 2000-byte
// datagram against a recvfrom(1024) buffer, and a message to a port where nothing listens.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { bindUdp, exitQuietlyWhenStdoutCloses } from '@socket-lab/common';
import { runEchoClient } from '../client.js';
import { type EchoServerOptions, serveEcho } from '../server.js';

exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine

const HOST = '127.0.0.1';
const server = (line: string) => console.log(`  server │ ${line}`);
const client = (line: string) => console.log(`  client │ ${line}`);

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
process.exitCode = result.unanswered === 1 ? 0 : 1; // the loss is the lesson, not a failure
