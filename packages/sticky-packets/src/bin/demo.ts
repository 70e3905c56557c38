// `pnpm --filter sticky-packets demo`: sender and receiver in one process on free loopback
// ports, the seed's seven messages three times: raw TCP, TCP with a length prefix, UDP.
// Nothing is left to chance: the receiver sleeps while writes 2, 3 and 4 pile up (see
// `lockstep`), so every run shows what the seed saw on a lucky one: 17/302/200/1/1024/976.
import { styleText } from 'node:util';
import { bindUdp, listenTcp } from '@socket-lab/common';
import { previewEnds } from '../format.js';
import { lockstep } from '../pacing.js';
import { encodeMessage, type Framing, SEED_MESSAGES } from '../protocol.js';
import { createReceiver, type ReceiverEvent } from '../receiver.js';
import { type SenderEvent, sendMessages } from '../sender.js';
import { type DatagramEvent, receiveDatagrams, sendDatagrams } from '../udp.js';

const HOST = '127.0.0.1';
/** Which writes go out together while the receiver sleeps: 1, then 2-4, then one by one. */
const GROUPS = [1, 3, 1, 1, 1];
/** A datagram the demo waits for longer than this is reported lost (UDP promises nothing). */
const UDP_WAIT_MS = 2000;
const LEFT_WIDTH = 30;

/** The demo's table: each row is a write (left) or a read (right), in the order they happened. */
type Row = { side: 'left' | 'right'; text: string };

console.log(
  styleText(
    'bold',
    "sticky-packets: seed 003's seven messages (17, 1, 300, 1, 200, 1, 2000 bytes)",
  ),
);
console.log('The receiver reads with a 1024-byte buffer and sleeps before each read;');
console.log('writes 2, 3 and 4 are sent while it sleeps.');

// 1 and 2: the same writes over TCP, raw and then with a 4-byte length in front of each.
for (const framing of ['none', 'length'] as const) {
  const rows: Row[] = [];
  const writes: { start: number; end: number }[] = [];
  const pace = lockstep(wireSizes(framing), GROUPS);
  let closed!: () => void;
  const done = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const server = createReceiver({
    framing,
    beforeRead: pace.beforeRead,
    report: (event) => {
      if (event.type === 'closed') closed();
      if (framing === 'none') {
        const text = rawRead(event, writes);
        if (text !== undefined) rows.push({ side: 'right', text });
      } else framedRead(event, rows);
    },
  });
  const { port } = await listenTcp(server, { host: HOST, port: 0, log: null });
  await sendMessages({
    host: HOST,
    port,
    framing,
    messages: SEED_MESSAGES,
    beforeWrite: pace.beforeWrite,
    report: (event) => {
      if (event.type !== 'write') return;
      const start = writes.at(-1)?.end ?? 0;
      writes.push({ start, end: start + event.wireBytes });
      rows.push({ side: 'left', text: framing === 'none' ? rawWrite(event) : framedWrite(event) });
    },
  });
  await done;
  server.close();
  if (framing === 'none') {
    heading('1. raw TCP, as in the seed', 'write()', 'recv(1024)');
  } else {
    heading(
      '2. TCP with a length prefix: 4 bytes, big-endian',
      'write()',
      'recv(1024)     decoder',
    );
  }
  print(rows);
  const reads = rows.filter((r) => r.side === 'right' && /^#/.test(r.text)).length;
  console.log(
    framing === 'none'
      ? `   ${writes.length} writes became ${reads} reads: the same ${writes.at(-1)?.end} bytes in order, with the boundaries gone.`
      : `   The reads still merge and split, but each length says where its message ends.`,
  );
}

// 3: the same messages as UDP datagrams, with the same pauses.
{
  const rows: Row[] = [];
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
      rows.push({ side: 'right', text: datagramRead(event) });
      if (++received === SEED_MESSAGES.length) allIn();
    },
  });
  await sendDatagrams({
    host: HOST,
    port: address.port,
    messages: SEED_MESSAGES,
    beforeWrite: pace.beforeWrite,
    report: (event) => {
      if (event.type === 'write') rows.push({ side: 'left', text: rawWrite(event) });
    },
  });
  const late = setTimeout(allIn, UDP_WAIT_MS); // stop waiting for a datagram that was lost
  await everyOne;
  clearTimeout(late);
  socket.close();
  await receiving;
  heading('3. UDP: one sendto() is one datagram is one recvfrom()', 'sendto()', 'recvfrom(1024)');
  print(rows);
  const lost = SEED_MESSAGES.length - received;
  console.log(
    `   Every datagram stayed whole, even those that waited together; the 2000-byte one was cut${lost > 0 ? `; ${lost} never arrived` : ''}.`,
  );
}

function wireSizes(framing: Framing): number[] {
  return SEED_MESSAGES.map((m) => encodeMessage(framing, m).length);
}

function rawWrite(event: SenderEvent & { type: 'write' }): string {
  return `#${event.index} ${size(event.wireBytes)}  ${preview(event.payload)}`;
}

function framedWrite(event: SenderEvent & { type: 'write' }): string {
  const header = encodeMessage('length', event.payload).subarray(0, 4).toString('hex', 0, 4);
  return `#${event.index} ${header.replace(/(..)(?=.)/g, '$1 ')} + ${size(event.payload.length)}`;
}

/** A raw read, and which writes it holds: more than one is a merge, part of one a split. */
function rawRead(event: ReceiverEvent, writes: { start: number; end: number }[]) {
  if (event.type !== 'read') return undefined;
  const from = event.offset;
  const to = from + event.data.length;
  const hit = writes.flatMap((w, i) => (w.start < to && w.end > from ? [{ ...w, n: i + 1 }] : []));
  const [only] = hit;
  let note = '';
  if (hit.length > 1) note = `◀ merged: writes ${hit.map((w) => w.n).join('+')}`;
  else if (only && (from > only.start || to < only.end)) {
    note = `◀ split: write ${only.n}, bytes ${from - only.start + 1}-${to - only.start}`;
  }
  return `#${event.index} ${size(event.data.length)}  ${preview(event.data).padEnd(17)}  ${styleText('yellow', note)}`.trimEnd();
}

/** A framed read, and next to it the messages it completed, one per row. */
function framedRead(event: ReceiverEvent, rows: Row[]): void {
  const readWidth = 15;
  if (event.type === 'read') {
    const text = `#${event.index} ${size(event.data.length)}`.padEnd(readWidth);
    // A read that completes nothing is normal: "not a whole message yet".
    const held = `(${event.heldBytes} B held, no whole message yet)`;
    rows.push({ side: 'right', text: event.heldBytes > 0 ? text + held : text });
  } else if (event.type === 'message') {
    const text = `message ${event.index} ${size(event.data.length)}  ${preview(event.data)}`;
    const last = rows.at(-1);
    if (last?.side === 'right' && last.text.length === readWidth) last.text += text;
    else rows.push({ side: 'right', text: ' '.repeat(readWidth) + text });
  }
}

function datagramRead(event: DatagramEvent): string {
  if (event.type === 'dropped') return `(dropped: ${event.size} B)`;
  const cut =
    event.kept.length < event.size ? `◀ cut: ${event.size - event.kept.length} B dropped` : '';
  return `#${event.index} ${size(event.kept.length)}  ${preview(event.kept).padEnd(17)}  ${styleText('yellow', cut)}`.trimEnd();
}

function size(bytes: number): string {
  return `${String(bytes).padStart(4)} B`;
}

function preview(bytes: Uint8Array): string {
  return previewEnds(bytes, 10, 6);
}

function heading(title: string, left: string, right: string): void {
  console.log(`\n${styleText('bold', title)}`);
  console.log(styleText('dim', `   ${`sender: ${left}`.padEnd(LEFT_WIDTH)}  receiver: ${right}`));
}

/**
 * The rows side by side: writes on the left, reads on the right. A write that comes after
 * a read starts a new block, so the writes of one block are those that piled up before
 * the reads next to them.
 */
function print(rows: Row[]): void {
  const blocks: { left: string[]; right: string[] }[] = [];
  for (const row of rows) {
    let block = blocks.at(-1);
    if (!block || (row.side === 'left' && block.right.length > 0)) {
      block = { left: [], right: [] };
      blocks.push(block);
    }
    block[row.side].push(row.text);
  }
  for (const { left, right } of blocks) {
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      console.log(`   ${(left[i] ?? '').padEnd(LEFT_WIDTH)}  ${right[i] ?? ''}`.trimEnd());
    }
  }
}
