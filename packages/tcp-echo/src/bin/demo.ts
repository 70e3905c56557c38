// `pnpm --filter tcp-echo demo`: one server and three clients on a free loopback port, all
// connected at once and taking turns, in one process. Each step waits for the server's log
// line before the next, so the story prints in the same order every time.
import { once } from 'node:events';
import { connectTcp, exitQuietlyWhenStdoutCloses, listenTcp } from '@socket-lab/common';
import { EchoConnection, echoLine } from '../client.js';
import { createEchoServer } from '../server.js';

const HOST = '127.0.0.1';
const logged: string[] = [];
const waiting: { re: RegExp; resolve: () => void }[] = [];
exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine
console.log('tcp-echo: one server, three clients at once, one thread (seed 001)');
const server = createEchoServer({ verbose: true, log: serverSays });
const { port } = await listenTcp(server, { host: HOST, port: 0, log: serverSays });

console.log('\n1. three clients connect; the server greets each, on one thread');
const alice = await connect('alice', /client #1 connected/);
const bob = await connect('bob', /client #2 connected/);
const carol = await connectTcp({ host: HOST, port, noDelay: true }); // a raw socket, as nc would be
carol.on('error', () => {});
const [greeting] = await once(carol, 'data');
await serverLog(/client #3 connected/);
say('carol', `greeting: ${JSON.stringify(`${greeting}`)}`);

console.log('\n2. they take turns; each waits until every byte it sent has come back');
await talk('alice', alice, 'hello');
await talk('bob', bob, '你好 (UTF-8, 3 bytes a character)');

console.log("\n3. bob's connection is reset (RST), as when a program dies with bytes unread");
bob.reset();
await serverLog(/client #2 disconnected/);
await talk('alice', alice, 'still there?');

console.log('\n4. carol sends three lines in one write, as nc might: the server stops at `exit`');
const echoed: Buffer[] = [];
carol.on('data', (chunk: Buffer) => echoed.push(chunk));
carol.write('one\ntwo\nexit\n');
await once(carol, 'end');
say('carol', `echoed ${JSON.stringify(Buffer.concat(echoed).toString())}, then the server closed`);
carol.end();
await serverLog(/client #3 disconnected/);

console.log('\n5. alice says exit, as the seed client does');
await alice.exit();
await serverLog(/client #1 disconnected/);
say('alice', 'bye');
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
