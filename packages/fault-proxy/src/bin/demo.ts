// `pnpm --filter fault-proxy demo`: five scenes, each a server, the proxy with one fault, and
// a client, all in this process on free loopback ports, with --seed 7 so every run shows the
// same drops, copies and swaps. The demo never guesses at a loss with a timeout: the proxy
// reports each decision as an event, so the client knows when its datagram was dropped.
import dgram from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { styleText } from 'node:util';
import { exitQuietlyWhenStdoutCloses, previewBytes } from '@socket-lab/common';
import { type FaultProxyOptions, startFaultProxy } from '../fault-proxy.js';
import type { Faults } from '../faults.js';
import { formatEvent, type ProxyEvent } from '../trace.js';

exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine

const HOST = '127.0.0.1';
const SEED = 7;
const say = (who: string) => (line: string) => console.log(`  ${who.padEnd(6)} │ ${line}`);
const proxyLine = say('proxy');
const clientLine = say('client');
const serverLine = say('server');

console.log(
  styleText('bold', 'fault-proxy: a proxy is two sockets and a loop, and the loop can misbehave'),
);
console.log(
  `Each scene runs in this process on free loopback ports, with --seed ${SEED}: the same every run.`,
);

await lossScene();
await burstScene();
await splitScene();
await delayScene();
await cutScene();

/** 1. Ten pings over UDP, one at a time; each comes back or is dropped, there or back. */
async function lossScene(): Promise<void> {
  console.log(
    `\n${styleText('bold', '1. UDP --loss 30%: ten pings to an echo server, one at a time')}`,
  );
  const server = await udpSocket();
  server.on('message', (data, rinfo) => server.send(data, rinfo.port, rinfo.address));
  const drops = new EventEmitter();
  const proxy = await start(server, { udp: true, faults: { loss: 0.3 }, trace: true }, (e) => {
    if (e.kind === 'drop') drops.emit('drop', e);
  });
  const client = await udpSocket();
  for (let i = 1; i <= 10; i++) {
    const outcome = new Promise<string>((resolve) => {
      const onEcho = () => done('echoed');
      const onDrop = (e: ProxyEvent & { kind: 'drop' }) =>
        done(e.direction === 'client→server' ? 'lost on the way there' : 'lost on the way back');
      const done = (what: string) => {
        client.off('message', onEcho);
        drops.off('drop', onDrop);
        resolve(what);
      };
      client.once('message', onEcho);
      drops.once('drop', onDrop);
    });
    client.send(`ping ${i}`, proxy.port, HOST);
    clientLine(`ping ${i}: ${await outcome}`);
  }
  console.log('   30% each way: a ping and its echo both get through 0.7 × 0.7 = 49% of the time.');
  await finish(proxy, [client, server], true);
}

/** 2. Ten datagrams in one burst; the server lists them as they come. */
async function burstScene(): Promise<void> {
  console.log(
    `\n${styleText('bold', '2. UDP --duplicate 20% --reorder 20%: ten datagrams in a burst')}`,
  );
  const server = await udpSocket();
  const got: string[] = [];
  const arrived = new EventEmitter();
  server.on('message', (data) => {
    got.push(data.toString());
    arrived.emit('datagram');
  });
  const proxy = await start(server, { udp: true, faults: { duplicate: 0.2, reorder: 0.2 } });
  const client = await udpSocket();
  const sent = Array.from({ length: 10 }, (_, i) => String(i + 1));
  for (const text of sent) client.send(text, proxy.port, HOST);
  // Every datagram, copies included, has come: a held one at the end comes after ~1 s alone.
  const c = proxy.counters['client→server'];
  while (
    c.received < sent.length ||
    c.forwarded < c.received ||
    got.length < c.forwarded + c.duplicated
  ) {
    await once(arrived, 'datagram');
  }
  clientLine(`sent ${sent.join(' ')}`);
  serverLine(`got  ${got.join(' ')}`);
  console.log('   Datagrams may come twice, or after a later one; UDP says nothing either way.');
  await finish(proxy, [client, server], true);
}

/** 3. One TCP write of a line; the server's reads come in 7-byte pieces. */
async function splitScene(): Promise<void> {
  console.log(
    `\n${styleText('bold', '3. TCP --split 7: one write of a line, read by the server as it arrives')}`,
  );
  const line = Buffer.from('A proxy is two sockets and a loop.\n');
  const reads: Buffer[] = [];
  let gotAll!: () => void;
  const allRead = new Promise<void>((resolve) => {
    gotAll = resolve;
  });
  const server = await tcpServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      reads.push(chunk);
      if (Buffer.concat(reads).length === line.length) gotAll();
    });
  });
  const proxy = await start(server, { faults: { splitBytes: 7 } });
  const client = await tcpClient(proxy.port);
  clientLine(`write ${line.length} bytes: ${previewBytes(line)}`);
  client.write(line);
  await allRead;
  for (const read of reads)
    serverLine(`read ${String(read.length).padStart(2)} bytes: ${previewBytes(read)}`);
  console.log(
    `   One write became ${reads.length} reads. TCP never promised otherwise: frame your messages.`,
  );
  client.destroy();
  await finish(proxy, [server]);
}

/** 4. An echo round trip, straight to the server and through --delay 0.1. */
async function delayScene(): Promise<void> {
  console.log(
    `\n${styleText('bold', '4. TCP --delay 0.1: an echo round trip, straight and through the proxy')}`,
  );
  const server = await tcpServer((socket) => socket.pipe(socket));
  const proxy = await start(server, { faults: { delayMs: 100 } });
  for (const [how, port] of [
    ['straight to the server', (server.address() as AddressInfo).port],
    ['through --delay 0.1', proxy.port],
  ] as const) {
    const client = await tcpClient(port);
    const start = performance.now();
    client.write('ping');
    await once(client, 'data');
    clientLine(`${how}: ${(performance.now() - start).toFixed(1)} ms`);
    client.destroy();
  }
  console.log('   0.1 s there and 0.1 s back: a round trip pays the delay twice.');
  await finish(proxy, [server]);
}

/** 5. The client sends 3000 bytes; the proxy lets 1000 through, then resets both sides. */
async function cutScene(): Promise<void> {
  console.log(`\n${styleText('bold', '5. TCP --cut-after 1000: the client sends 3000 bytes')}`);
  let serverSaw!: (line: string) => void;
  const serverDone = new Promise<string>((resolve) => {
    serverSaw = resolve;
  });
  const server = await tcpServer((socket) => {
    let got = 0;
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      serverSaw(`got ${got} bytes, then ${err.code}`),
    );
    // A RST that comes with the last bytes shows up in Node as an end of stream; the next
    // write tells: after a RST the kernel fails it with ECONNRESET.
    socket.on('end', () => {
      socket.write('?', (err) =>
        serverSaw(
          `got ${got} bytes, then ${err ? `a reset (${(err as NodeJS.ErrnoException).code})` : 'FIN'}`,
        ),
      );
    });
  }, true);
  const proxy = await start(server, { faults: { cutAfterBytes: 1000 }, trace: true });
  const client = await tcpClient(proxy.port);
  const clientFailed = once(client, 'error').catch((err: NodeJS.ErrnoException) => err.code);
  client.write(Buffer.alloc(3000, 'x'));
  serverLine(await serverDone);
  const [err] = (await clientFailed) as [NodeJS.ErrnoException];
  clientLine(`read failed: ${err.code}`);
  await finish(proxy, [server]);
}

// The scenes' plumbing.

type Peer = dgram.Socket | net.Server;

/** The proxy in front of `server`; with `trace`, each decision is printed as it happens. */
async function start(
  server: Peer,
  opts: Omit<FaultProxyOptions, 'to'> & { faults: Partial<Faults> },
  onEvent?: (event: ProxyEvent) => void,
) {
  const port = (server.address() as AddressInfo).port;
  return startFaultProxy({
    ...opts,
    to: { host: HOST, port },
    seed: SEED,
    log: null,
    trace: false,
    onEvent: (event) => {
      const line = opts.trace ? formatEvent(event) : null;
      if (line) proxyLine(line);
      onEvent?.(event);
    },
  });
}

async function finish(
  proxy: Awaited<ReturnType<typeof start>>,
  peers: Peer[],
  summary = false,
): Promise<void> {
  await proxy.close();
  if (summary) for (const line of proxy.summary()) proxyLine(line);
  for (const peer of peers) peer.close();
}

async function udpSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', (err) => console.error(`udp socket: ${err.message}`));
  socket.bind(0, HOST);
  await once(socket, 'listening');
  return socket;
}

async function tcpServer(
  onSocket: (socket: net.Socket) => void,
  allowHalfOpen = false,
): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen }, (socket) => {
    socket.on('error', () => {}); // the scenes report what they expect; the rest is noise
    onSocket(socket);
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  return server;
}

async function tcpClient(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: HOST, noDelay: true });
  await once(socket, 'connect');
  return socket;
}
