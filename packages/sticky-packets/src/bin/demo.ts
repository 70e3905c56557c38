// `pnpm --filter sticky-packets demo`: sender and receiver in one process on free loopback
// ports, the seed's seven messages three times: raw TCP, TCP with a length prefix, UDP.
// Nothing is left to chance: the receiver sleeps while writes 2, 3 and 4 pile up (see
// `lockstep`), so every run shows what the seed saw on a lucky one: 17/302/200/1/1024/976.
// Between the framed run and UDP, two messages go through fault-proxy, which cuts every
// write into 7-byte pieces: the other way TCP loses boundaries, on the path.
import { styleText } from 'node:util';
import { bindUdp, exitQuietlyWhenStdoutCloses, listenTcp } from '@socket-lab/common';
import { startFaultProxy } from 'fault-proxy';
import { type Lockstep, lockstep, oneAtATime } from '../pacing.js';
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
/** fault-proxy --split 7: the seed's 17-byte first message leaves in three pieces. */
const SPLIT_BYTES = 7;
/**
 * --split draws no random numbers, so any seed gives these pieces; a fixed one keeps the
 * step replayable if a random fault (--delay with jitter, say) ever joins it.
 */
const PROXY_SEED = 7;
/** The seed's first two messages: 17 bytes to be cut, and 1 byte that cannot be. */
const SPLIT_MESSAGES = SEED_MESSAGES.slice(0, 2);
/**
 * The proxy sends a piece every few milliseconds and the receiver reads each at once, so each
 * read is one piece on a machine that lets it run that often. A busier one (or a kernel that
 * hands loopback delivery to a starved thread) can find two pieces waiting, and TCP merges
 * them, as in step 1. Then the step runs again, so the screen shows the pieces the path made.
 * Rare, so four tries are plenty (BENCH.md says how rare).
 */
const SPLIT_TRIES = 4;

console.log(
  styleText(
    'bold',
    "sticky-packets: seed 003's seven messages (17, 1, 300, 1, 200, 1, 2000 bytes)",
  ),
);
console.log('The receiver reads with recv(1024) and sleeps between reads;');
console.log('writes 2, 3 and 4 are sent during one of its sleeps.');

const { timeline: raw } = await overTcp('none');
raw.print('1. raw TCP, as in the seed', 'write()', 'recv(1024)');
console.log(
  `   ${raw.writeCount} writes became ${raw.reads} reads: the same ${raw.bytes} bytes in order, with the boundaries gone.`,
);

const { timeline: framed } = await overTcp('length');
framed.print(
  '2. TCP with a length prefix: 4 bytes, big-endian',
  'write()',
  'recv(1024)     decoder',
);
console.log('   The reads still merge and split, but each length says where its message ends.');

const rawSplit = await throughProxy('none');
rawSplit.print(
  `3. TCP through fault-proxy --split ${SPLIT_BYTES}: the path cuts every write into pieces`,
  'write()',
  'recv(1024)',
);
console.log(
  `   ${rawSplit.writeCount} writes became ${rawSplit.reads} reads; the receiver read each piece the moment it came.`,
);
const framedSplit = await throughProxy('length');
framedSplit.print('   The same two, with a length prefix', 'write()', 'recv(1024)     decoder');
console.log('   Cut by the receiver or by the path, the lengths put the messages back together.');

const { timeline: udp, lost } = await overUdp();
udp.print('4. UDP: one sendto() is one datagram is one recvfrom()', 'sendto()', 'recvfrom(1024)');
console.log(
  `   Every datagram stayed whole, even those that waited together; the 2000-byte one was cut${lost > 0 ? `; ${lost} never arrived` : ''}.`,
);

/**
 * The seven messages over TCP with `framing`, paced in lockstep; or, `split`, the first two
 * through fault-proxy, one at a time. Returns what happened, and whether each read was one
 * of the proxy's writes.
 */
async function overTcp(
  framing: Framing,
  split = false,
): Promise<{ timeline: Timeline; asCut: boolean }> {
  const timeline = new Timeline();
  const reads: number[] = [];
  const pieces: number[] = [];
  const messages = split ? SPLIT_MESSAGES : SEED_MESSAGES;
  const sizes = messages.map((m) => encodeMessage(framing, m).length);
  const pace: Lockstep = split ? oneAtATime(sizes) : lockstep(sizes, GROUPS);
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
      if (event.type === 'read') reads.push(event.data.length);
      if (event.type === 'closed') closed();
    },
  });
  const { port } = await listenTcp(server, { host: HOST, port: 0, log: null });
  const proxy = split
    ? await startFaultProxy({
        to: { host: HOST, port },
        faults: { splitBytes: SPLIT_BYTES },
        seed: PROXY_SEED,
        onEvent: (e) => {
          if (e.kind === 'forward' && e.direction === 'client→server') pieces.push(e.bytes);
        },
      })
    : undefined;
  await sendMessages({
    host: HOST,
    port: proxy?.port ?? port,
    framing,
    messages,
    beforeWrite: pace.beforeWrite,
    report: (event) => timeline.wrote(event, framing === 'length'),
  });
  await done; // the receiver has read everything and seen the end of the stream
  await proxy?.close();
  server.close();
  return { timeline, asCut: !split || reads.join() === pieces.join() };
}

/** Step 3: the two messages through the proxy, again if two pieces merged (SPLIT_TRIES). */
async function throughProxy(framing: Framing): Promise<Timeline> {
  for (let tries = 1; ; tries++) {
    const { timeline, asCut } = await overTcp(framing, true);
    if (asCut || tries === SPLIT_TRIES) return timeline;
  }
}

/** The seven messages as datagrams, with the same pauses. */
async function overUdp(): Promise<{ timeline: Timeline; lost: number }> {
  const timeline = new Timeline();
  const pace = lockstep(
    SEED_MESSAGES.map((m) => m.length),
    GROUPS,
    UDP_WAIT_MS,
  );
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
