// send() against sendall(), and Node's write(), run live. Python's send() gives the kernel
// what fits in the socket's send buffer now and returns how many bytes that was; the rest
// is yours to send again. sendall() calls send() until every byte is gone. Node's write() is
// a third kind: it takes everything, always (nothing is lost, as with sendall), passes the
// kernel what fits, and queues the rest in memory. Its return value answers another
// question: is that queue past writableHighWaterMark? false means "stop writing until
// 'drain'". Ignoring it still delivers every byte, but a fast writer to a slow reader then
// keeps the whole difference in memory. That is backpressure: the reader sets the pace.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import type { Say } from './association.js';
import { readTcpBufferSizes, spawnPython } from './system.js';

/**
 * 8 MiB in one write: more than the kernel buffers of a loopback connection hold by default
 * (tcp_wmem and tcp_rmem, printed by the demo), so some of it must wait for the reader.
 */
export const BIG_WRITE_BYTES = 8 * 1024 * 1024;

/** What `showBackpressure` saw. `python` is null without python3. */
export interface BackpressureFacts {
  returned: boolean;
  highWaterMark: number;
  queuedAfterWrite: number;
  /** Bytes the reader had when 'drain' came. */
  readAtDrain: number;
  received: number;
  python: { sendTook: number; received: number } | null;
}

/** Demo step: one big write() to a reader that is not reading yet, then 'drain'; then Python. */
export async function showBackpressure(say: Say): Promise<BackpressureFacts> {
  const wmem = await readTcpBufferSizes('wmem');
  const rmem = await readTcpBufferSizes('rmem');
  if (wmem && rmem)
    say(`kernel buffers (min default max): send ${wmem.value}, receive ${rmem.value}`);
  const reader = await pausedReader();

  // The reader is paused, so the kernel's buffers fill and the rest stays with Node.
  const client = net.connect(reader.port, '127.0.0.1');
  client.on('error', (err) => say(`client: ${err.message}`));
  await once(client, 'connect');
  const returned = client.write(Buffer.alloc(BIG_WRITE_BYTES, 'x'));
  const queuedAfterWrite = client.writableLength;
  const highWaterMark = client.writableHighWaterMark;
  say(
    `write(${BIG_WRITE_BYTES} bytes) returned ${returned} (writableHighWaterMark ${highWaterMark})`,
  );
  say(`writableLength right after: ${queuedAfterWrite} bytes, not all taken by the kernel yet`);

  // Now let the reader read: the kernel's buffers empty, Node hands over the rest, 'drain'.
  const drained = once(client, 'drain');
  const socket = await reader.accepted;
  socket.resume();
  await drained;
  const readAtDrain = reader.received();
  say(`'drain' came when the reader had ${readAtDrain} bytes: safe to write again`);
  client.end();
  await once(socket, 'end');
  const received = reader.received();
  say(`the reader got ${received} bytes in all: nothing lost`);
  reader.server.close();

  const python = await pythonSend(say);
  return { returned, highWaterMark, queuedAfterWrite, readAtDrain, received, python };
}

// Python's side of the same lesson: one non-blocking send() to a reader that waits, then
// sendall() for the rest once the reader reads.
async function pythonSend(say: Say): Promise<BackpressureFacts['python']> {
  const reader = await pausedReader();
  const args = ['127.0.0.1', String(reader.port), String(BIG_WRITE_BYTES)];
  const peer = await spawnPython('send_once.py', args);
  if (!peer) {
    say('python3 send() and sendall(): python3 not found, skipped');
    reader.server.close();
    return null;
  }
  const took = await peer.waitFor(/send\(\) took (\d+) of \d+ bytes/);
  say(`python3: ${took?.[0]}; it says so, and the rest is the caller's to send`);
  const socket = await reader.accepted;
  const ended = once(socket, 'end');
  socket.resume();
  const rest = await peer.waitFor(/sendall\(\) sent the other \d+/);
  await ended;
  say(`python3: ${rest?.[0]}; the reader got ${reader.received()} bytes`);
  reader.server.close();
  return { sendTook: Number(took?.[1]), received: reader.received() };
}

// A server whose first connection reads nothing until the caller resumes it.
async function pausedReader() {
  let received = 0;
  let accept: (socket: net.Socket) => void = () => {};
  const accepted = new Promise<net.Socket>((resolve) => {
    accept = resolve;
  });
  // pauseOnConnect: not even Node's first read happens; the kernel holds every byte.
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      received += chunk.length;
    });
    accept(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { server, accepted, port, received: () => received };
}
