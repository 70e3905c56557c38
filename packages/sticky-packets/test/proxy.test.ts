// The receiver behind fault-proxy (in-process, port 0): the path cuts every write into 7-byte
// pieces. The reads end where the proxy's writes ended (two pieces may still arrive before
// a read and come out as one: that is TCP), and with a length prefix the messages come out
// whole, however the pieces fell.
import { type FaultProxy, startFaultProxy } from 'fault-proxy';
import { afterEach, expect, test } from 'vitest';
import { oneAtATime } from '../src/pacing.js';
import { encodeMessage, type Framing, SEED_MESSAGES } from '../src/protocol.js';
import { sendMessages } from '../src/sender.js';
import { type RunningReceiver, startReceiver } from './helpers.js';

const HOST = '127.0.0.1';
const MESSAGES = SEED_MESSAGES.slice(0, 3); // 17, 1 and 300 bytes
let receiver: RunningReceiver | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  receiver?.server.close();
});

/** The messages through the proxy, one at a time; the proxy's writes to the receiver. */
async function throughSplit(framing: Framing) {
  const pace = oneAtATime(MESSAGES.map((m) => encodeMessage(framing, m).length));
  receiver = await startReceiver({ framing, beforeRead: pace.beforeRead });
  const pieces: number[] = [];
  proxy = await startFaultProxy({
    to: { host: HOST, port: receiver.port },
    faults: { splitBytes: 7 },
    seed: 7,
    onEvent: (e) => {
      if (e.kind === 'forward' && e.direction === 'client→server') pieces.push(e.bytes);
    },
  });
  await sendMessages({
    host: HOST,
    port: proxy.port,
    framing,
    messages: MESSAGES,
    beforeWrite: pace.beforeWrite,
    report: () => {},
  });
  const closed = await receiver.closed();
  return { closed, pieces, reads: receiver.of('read').map((r) => r.data) };
}

/** Where each piece of `sizes` ends in the stream. */
function ends(sizes: number[]): number[] {
  let at = 0;
  return sizes.map((size) => (at += size));
}

test('through --split 7 the path cuts each write into 7-byte pieces, and the reads end where they do', async () => {
  const { closed, pieces, reads } = await throughSplit('none');
  // 17 = 7+7+3, 1, and 300 = 42 x 7 + 6: the proxy's writes, whatever the machine's load.
  expect(pieces).toEqual([7, 7, 3, 1, ...Array(42).fill(7), 6]);
  expect(Buffer.concat(reads).equals(Buffer.concat(MESSAGES))).toBe(true);
  expect(reads.length).toBeGreaterThan(MESSAGES.length); // more reads than writes
  const pieceEnds = new Set(ends(pieces));
  expect(ends(reads.map((r) => r.length)).every((end) => pieceEnds.has(end))).toBe(true);
  expect(closed).toMatchObject({ bytes: 318, messages: undefined });
});

test('through --split 7 with a length prefix, the messages come out whole', async () => {
  const { closed, reads } = await throughSplit('length');
  expect(reads.length).toBeGreaterThan(MESSAGES.length);
  expect(receiver?.of('message').map((m) => m.data.toString())).toEqual(
    MESSAGES.map((m) => m.toString()),
  );
  expect(closed).toMatchObject({ bytes: 330, messages: 3 });
});
