// `pnpm --filter tcp-echo demo`: the seed's one-at-a-time server with two clients, then ours
// with the same two and a third, all connected at once and taking turns, in one process; last,
// the seed's threaded server and ours behind fault-proxy, to see Nagle and delayed ACK. Each
// step waits for the server's log line before the next, so the story prints in the same order
// every time (only ports and times change).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  connectTcp,
  exitQuietlyWhenStdoutCloses,
  listenTcp,
  SocketReader,
} from '@socket-lab/common';
import { EchoConnection, echoLine } from '../client.js';
import { ONE_AT_A_TIME_GREETING } from '../protocol.js';
import { createEchoServer } from '../server.js';

const HOST = '127.0.0.1';
/** What the fault proxy adds each way: short enough that the delayed-ACK stall still happens. */
const PROXY_DELAY = '0.005';
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const logged: string[] = [];
const waiting: { re: RegExp; resolve: () => void }[] = [];
exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine
console.log("tcp-echo: the seed's two servers, and ours: many clients, one thread (seed 001)");

console.log("\n1. the seed's first server (--one-at-a-time): bob connects, and waits");
let server = createEchoServer({ oneAtATime: true, log: serverSays });
let { port } = await listenTcp(server, { host: HOST, port: 0, log: serverSays });
let alice = await connect('alice', /client #1 connected/);
const bob = await connectTcp({ host: HOST, port, noDelay: true }); // raw: no greeting to wait for
bob.on('error', () => {});
const bobReads = new SocketReader(bob);
await serverLog(/waits: connected/);
say('bob', 'connected (the handshake is done), sends "hello?"');
bob.write('hello?');
await talk('alice', alice, 'hi');
say('bob', `${bobReads.arrivedBytes} bytes received so far: not even the greeting`);
say('alice', 'says exit');
await alice.exit();
await serverLog(/client #2 connected/);
const late = await bobReads.readExactly(Buffer.byteLength(ONE_AT_A_TIME_GREETING) + 6);
say('bob', `at last: ${JSON.stringify(String(late))} (the greeting, then the echo)`);
bob.end('exit');
await serverLog(/client #2 disconnected/);
await server.shutdown();

console.log('\n2. our server: alice, bob and carol connect, and each is greeted at once');
logged.length = 0;
server = createEchoServer({ verbose: true, log: serverSays });
({ port } = await listenTcp(server, { host: HOST, port: 0, log: serverSays }));
alice = await connect('alice', /client #1 connected/);
const bob2 = await connect('bob', /client #2 connected/);
const carol = await connectTcp({ host: HOST, port, noDelay: true }); // a raw socket, as nc would be
carol.on('error', () => {});
const [greeting] = await once(carol, 'data');
await serverLog(/client #3 connected/);
say('carol', `greeting: ${JSON.stringify(`${greeting}`)}`);

console.log('\n3. they take turns; each waits until every byte it sent has come back');
await talk('alice', alice, 'hello');
await talk('bob', bob2, '你好 (UTF-8, 3 bytes a character)');

console.log("\n4. bob's connection is reset (RST), as when a program dies with bytes unread");
bob2.reset();
await serverLog(/client #2 disconnected/);
await talk('alice', alice, 'still there?');

console.log('\n5. carol sends three lines in one write, as nc might: the server stops at `exit`');
const echoed: Buffer[] = [];
carol.on('data', (chunk: Buffer) => echoed.push(chunk));
carol.write('one\ntwo\nexit\n');
await once(carol, 'end');
say('carol', `echoed ${JSON.stringify(Buffer.concat(echoed).toString())}, then the server closed`);
carol.end();
await serverLog(/client #3 disconnected/);

console.log('\n6. alice says exit, as the seed client does');
await alice.exit();
await serverLog(/client #1 disconnected/);
say('alice', 'bye');

await server.shutdown();

console.log(`\n7. Nagle and delayed ACK, through fault-proxy (--delay ${PROXY_DELAY} each way)`);
server = createEchoServer({ log: null });
({ port } = await listenTcp(server, { host: HOST, port: 0, log: null }));
await compareThroughProxy(port);
await server.shutdown();

async function connect(name: string, logLine: RegExp): Promise<EchoConnection> {
  const { conn, greeting } = await EchoConnection.open({ host: HOST, port });
  await serverLog(logLine);
  say(name, `greeting: ${JSON.stringify(greeting.toString())}`);
  return conn;
}

async function talk(name: string, conn: EchoConnection, text: string): Promise<void> {
  say(name, `sends ${JSON.stringify(text)}`);
  const echo = await conn.echo(text);
  say(name, echoLine(text, echo));
}

// The seed's threaded server echoes each recv(1024) with a send() of its own, Nagle on: a
// 1025-byte message goes back as 1024 bytes, then 1 byte held until the first is ACKed, and
// the proxy's kernel delays that ACK. Ours writes each read at once (noDelay).
async function compareThroughProxy(oursPort: number): Promise<void> {
  const seed = await startProgram('python3', [
    'test/fixtures/seed001_threading_server.py',
    HOST,
    '0',
  ]);
  if (!seed) {
    say('demo', 'python3 not found: this step needs the seed server');
    return;
  }
  const proxy = (to: number) =>
    startProgram('pnpm', [
      '-s',
      '--filter',
      'fault-proxy',
      'start',
      '--port',
      '0',
      '--to',
      `${HOST}:${to}`,
      '--delay',
      PROXY_DELAY,
    ]);
  const [toSeed, toOurs] = await Promise.all([proxy(seed.port), proxy(oursPort)]);
  try {
    for (const [name, via] of [
      ['seed', toSeed],
      ['ours', toOurs],
    ] as const) {
      if (!via) throw new Error('fault-proxy did not start');
      const median = await medianEcho(via.port, 1025);
      say(name, `1025-byte echo through the proxy, median of 5: ${median.toFixed(1)} ms`);
    }
    // Said in words, not computed: on a busy machine the difference is noisy, the cause is not.
    const proxyMs = Number(PROXY_DELAY) * 2000;
    say(
      'demo',
      `the proxy adds ${proxyMs} ms there and back; the seed's extra wait is the delayed ACK`,
    );
  } finally {
    await Promise.all([seed.stop(), toSeed?.stop(), toOurs?.stop()]);
  }
}

/** Median round trip of 5 echoes of `size` bytes (after 2 unmeasured ones), in ms. */
async function medianEcho(to: number, size: number): Promise<number> {
  const { conn } = await EchoConnection.open({ host: HOST, port: to });
  const message = Buffer.alloc(size, 'a');
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    await conn.echo(message);
    if (i >= 2) times.push(performance.now() - start);
  }
  await conn.exit();
  return times.sort((a, b) => a - b)[2] as number;
}

/** Starts a program that prints `listening on HOST:PORT`; null if it cannot be started. */
async function startProgram(command: string, args: string[]) {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS; // loopback only, and it slows every node start here
  const child: ChildProcess = spawn(command, args, {
    cwd: PACKAGE_DIR,
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const started = new Promise<number | null>((resolve) => {
    let out = '';
    child.once('error', () => resolve(null));
    child.once('exit', () => resolve(null));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on \S+:(\d+) \(tcp\)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  const port = await started;
  if (port === null) return null;
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function say(name: string, line: string): void {
  console.log(`  ${name.padEnd(6)} │ ${line}`);
}

function serverSays(line: string): void {
  say('server', line);
  logged.push(line);
  for (const w of waiting.splice(0)) {
    if (w.re.test(line)) w.resolve();
    else waiting.push(w);
  }
}

/** Resolves once the server has logged a line matching `re` (already, or later). */
function serverLog(re: RegExp): Promise<void> {
  if (logged.some((line) => re.test(line))) return Promise.resolve();
  return new Promise((resolve) => waiting.push({ re, resolve }));
}
