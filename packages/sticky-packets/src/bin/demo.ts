// `pnpm --filter sticky-packets demo`: sender and receiver in one process on free loopback
// ports, the seed's seven messages three times: raw TCP, TCP with a length prefix, UDP.
// Nothing is left to chance: the receiver sleeps while writes 2, 3 and 4 pile up (see
// `lockstep`), so every run shows what the seed saw on a lucky one: 17/302/200/1/1024/976.
import { styleText } from 'node:util';
import { bindUdp, exitQuietlyWhenStdoutCloses, listenTcp } from '@socket-lab/common';
import { lockstep } from '../pacing.js';
import { encodeMessage, type Framing, SEED_MESSAGES } from '../protocol.js';
import { createReceiver } from '../receiver.js';
import { sendMessages } from '../sender.js';
import { Timeline } from '../timeline.js';
import { receiveDatagrams } from '../udp-receiver.js';
import { sendDatagrams } from '../udp-sender.js';

exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine

const HOST = '127.0.0.1';
/** Which writes go out together while the receiver sleeps: 1, then 2-4, then one by one. */
const GROUPS = [1, 3, 1, 1, 1];
/** A datagram the demo waits for longer than this is reported lost (UDP promises nothing). */
const UDP_WAIT_MS = 2000;

console.log(
  styleText(
    'bold',
    "sticky-packets: seed 003's seven messages (17, 1, 300, 1, 200, 1, 2000 bytes)",
  ),
);
console.log('The receiver reads with recv(1024) and sleeps between reads;');
console.log('writes 2, 3 and 4 are sent during one of its sleeps.');

const raw = await overTcp('none');
raw.print('1. raw TCP, as in the seed', 'write()', 'recv(1024)');
console.log(
  `   ${raw.writeCount} writes became ${raw.reads} reads: the same ${raw.bytes} bytes in order, with the boundaries gone.`,
);

const framed = await overTcp('length');
framed.print(
  '2. TCP with a length prefix: 4 bytes, big-endian',
  'write()',
  'recv(1024)     decoder',
);
console.log('   The reads still merge and split, but each length says where its message ends.');

const { timeline: udp, lost } = await overUdp();
udp.print('3. UDP: one sendto() is one datagram is one recvfrom()', 'sendto()', 'recvfrom(1024)');
console.log(
  `   Every datagram stayed whole, even those that waited together; the 2000-byte one was cut${lost > 0 ? `; ${lost} never arrived` : ''}.`,
);

/** The seven messages over TCP with `framing`, paced in lockstep; returns what happened. */
async function overTcp(framing: Framing): Promise<Timeline> {
  const timeline = new Timeline();
  const pace = lockstep(wireSizes(framing), GROUPS);
  let closed!: () => void;
  const done = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const server = createReceiver({
    framing,
    beforeRead: pace.beforeRead,
    report: (event) => {
      if (framing === 'none') timeline.read(event);
      else timeline.readFramed(event);
      if (event.type === 'closed') closed();
    },
  });
  const { port } = await listenTcp(server, { host: HOST, port: 0, log: null });
  await sendMessages({
    host: HOST,
    port,
    framing,
    messages: SEED_MESSAGES,
    beforeWrite: pace.beforeWrite,
    report: (event) => timeline.wrote(event, framing === 'length'),
  });
  await done; // the receiver has read everything and seen the end of the stream
  server.close();
  return timeline;
}

/** The seven messages as datagrams, with the same pauses. */
async function overUdp(): Promise<{ timeline: Timeline; lost: number }> {
  const timeline = new Timeline();
  const pace = lockstep(wireSizes('none'), GROUPS, UDP_WAIT_MS);
  let received = 0;
  let allIn!: () => void;
  const everyOne = new Promise<void>((resolve) => {
    allIn = resolve;
  });
  const { socket, address } = await bindUdp({ host: HOST, port: 0, log: null });
  const receiving = receiveDatagrams(socket, {
    beforeRead: pace.beforeRead,
    report: (event) => {
      timeline.datagram(event);
      if (event.type === 'datagram' && ++received === SEED_MESSAGES.length) allIn();
    },
  });
  await sendDatagrams({
    host: HOST,
    port: address.port,
    messages: SEED_MESSAGES,
    beforeWrite: pace.beforeWrite,
    report: (event) => timeline.wrote(event),
  });
  const late = setTimeout(allIn, UDP_WAIT_MS); // stop waiting for a datagram that was lost
  await everyOne;
  clearTimeout(late);
  socket.close();
  await receiving;
  return { timeline, lost: SEED_MESSAGES.length - received };
}

function wireSizes(framing: Framing): number[] {
  return SEED_MESSAGES.map((m) => encodeMessage(framing, m).length);
}
