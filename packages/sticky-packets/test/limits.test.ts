// The receiver's limits (src/limits.ts) on real sockets: one client too many, a client that
// says nothing, bytes held past the budget. The peers here are rude on purpose: they ignore
// what the receiver tells them and keep sending, so each test also shows that the deadline
// after "told to go" holds however busy the peer keeps the socket.
import { once } from 'node:events';
import net from 'node:net';
import { READ_WINDOW_BYTES } from '@socket-lab/common';
import { afterEach, expect, test, vi } from 'vitest';
import { NOTICES } from '../src/limits.js';
import { formatReceiverEvent, type ReceiverEvent } from '../src/log.js';
import { encodeMessage } from '../src/protocol.js';
import { type RunningReceiver, startReceiver } from './helpers.js';

const HOST = '127.0.0.1';
const KiB = 1024;
let receiver: RunningReceiver | undefined;
const opened: net.Socket[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const socket of opened.splice(0)) socket.destroy();
  receiver?.server.close();
  receiver = undefined;
});

/** A connected client; `heard` resolves with all the receiver sent once it sends FIN. */
async function connect(port: number, opts: { allowHalfOpen?: boolean } = {}) {
  const socket = net.connect({ port, host: HOST, ...opts });
  socket.on('error', () => {}); // the receiver's reset, at the deadline, is expected
  opened.push(socket);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // Not events.once(): it rejects on 'error', and a reset at the deadline is expected here.
  const heard = new Promise<string>((resolve) => {
    socket.once('end', () => resolve(Buffer.concat(chunks).toString()));
  });
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
  });
  await once(socket, 'connect');
  return { socket, heard, closed };
}

/**
 * A peer that writes for as long as its socket lets it, whatever the receiver says: it keeps
 * its side open after the receiver's FIN (allowHalfOpen) and never stops on its own.
 */
async function pest(port: number, first: Buffer = Buffer.alloc(0)) {
  const peer = await connect(port, { allowHalfOpen: true });
  const { socket } = peer;
  const chunk = Buffer.alloc(16 * KiB, 0x70);
  const pump = () => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', pump);
  socket.write(first);
  pump();
  return peer;
}

/**
 * A peer that sends a byte every 10 ms until its socket closes, whatever the receiver says:
 * enough to keep a socket.setTimeout() from ever firing, far too little to fill a buffer.
 */
async function trickle(port: number) {
  const peer = await connect(port, { allowHalfOpen: true });
  const timer = setInterval(() => peer.socket.write('.'), 10);
  peer.socket.once('close', () => clearInterval(timer));
  return peer;
}

/** A 4-byte big-endian length that promises `bytes`, and no payload yet. */
function header(bytes: number): Buffer {
  return encodeMessage('length', Buffer.alloc(bytes)).subarray(0, 4);
}

/** The first `limit` event of connection `conn`. */
function limitOf(log: RunningReceiver, conn: number) {
  return log.log.waitFor((e) => e.type === 'limit' && e.conn === conn) as Promise<
    ReceiverEvent & { type: 'limit' }
  >;
}

test('one client over --max-clients is told why and closed; the one served goes on', async () => {
  receiver = await startReceiver({ maxClients: 1, closeGraceMs: 5_000 });
  const served = await connect(receiver.port);
  await receiver.log.waitFor((e) => e.type === 'connected');
  const extra = await connect(receiver.port);
  expect(await extra.heard).toBe(NOTICES.full(1));
  await extra.closed; // it closed its side when told, and so did the receiver
  const refused = await limitOf(receiver, 2);
  expect(formatReceiverEvent(refused)).toMatch(
    /^\[2\] refused 127\.0\.0\.1:\d+: 1 client served already \(--max-clients\)$/,
  );
  served.socket.end('still here');
  await receiver.closed(1);
  expect(receiver.of('read', 1).map((r) => r.data.toString())).toEqual(['still here']);
  expect(receiver.of('connected', 2)).toEqual([]); // never served
});

test('a refused peer that keeps sending is cut off when its grace ends, not kept by its bytes', async () => {
  // The grace is a deadline from the moment it is told: the bytes it keeps sending (each of
  // which would restart a socket.setTimeout()) change nothing.
  receiver = await startReceiver({ maxClients: 1, closeGraceMs: 200 });
  await connect(receiver.port);
  await receiver.log.waitFor((e) => e.type === 'connected');
  const rude = await trickle(receiver.port);
  expect(await rude.heard).toBe(NOTICES.full(1));
  await rude.closed;
  const cut = await receiver.log.waitFor((e) => e.type === 'limit' && e.limit === 'grace');
  expect(formatReceiverEvent(cut)).toBe(
    '[2] still open 0.2 s after being told: destroyed (--grace)',
  );
});

test('a client that sends nothing for --idle-timeout is told why and closed', async () => {
  // Half a message, then silence: the receiver would hold it forever.
  receiver = await startReceiver({ framing: 'length', idleTimeoutMs: 100 });
  const quiet = await connect(receiver.port);
  quiet.socket.write(Buffer.concat([header(100), Buffer.from('half a mess')]));
  expect(await quiet.heard).toBe(NOTICES.idle(0.1));
  const idle = await limitOf(receiver, 1);
  expect(formatReceiverEvent(idle)).toBe('[1] no bytes for 0.1 s: told to go (--idle-timeout)');
  const closed = await receiver.closed(1);
  expect(closed).toMatchObject({ reads: 1, bytes: 15, messages: 0 });
  expect(receiver.of('error')).toEqual([]); // told, not "stream ended mid-frame"
});

test('a silent peer that ignores being told is cut off at its deadline; its half message goes at once', async () => {
  // It keeps its side open and says nothing, so no byte and no FIN wakes the receiver's read:
  // the limit itself ends the read, and the unfinished message is let go then, not 0.2 s later.
  receiver = await startReceiver({ framing: 'length', idleTimeoutMs: 100, closeGraceMs: 200 });
  const deaf = await connect(receiver.port, { allowHalfOpen: true });
  deaf.socket.write(Buffer.concat([header(100), Buffer.from('half a mess')]));
  expect(await deaf.heard).toBe(NOTICES.idle(0.1));
  await receiver.log.waitFor((e) => e.type === 'limit' && e.limit === 'grace');
  const story = receiver.log.entries
    .filter((e) => e.type !== 'read')
    .map((e) => (e.type === 'limit' ? e.limit : e.type));
  expect(story).toEqual(['connected', 'idle-timeout', 'closed', 'grace']);
});

test('silence while the receiver is the slow one is not idleness', async () => {
  // The receiver does not read; its reader fills up and pauses the socket, so no byte can
  // arrive. Fake time runs five idle timeouts past: nobody is told. Once everything is read
  // and the peer is the one keeping quiet, the next timeout tells it.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let full!: () => void;
  const paused = new Promise<void>((resolve) => {
    full = resolve;
  });
  const sent = Buffer.alloc(256 * KiB, 0x71);
  receiver = await startReceiver({
    idleTimeoutMs: 1000,
    readBytes: 64 * KiB,
    beforeRead: async (progress) => {
      if (progress.consumedBytes > 0) return;
      // At its window (64 KiB) common's SocketReader pauses the socket.
      await progress.whenArrived(READ_WINDOW_BYTES);
      full();
      await gate;
    },
  });
  const peer = await connect(receiver.port);
  peer.socket.write(sent);
  await paused;
  vi.advanceTimersByTime(5_000);
  expect(receiver.log.entries.filter((e) => e.type === 'limit')).toEqual([]);

  release();
  await receiver.log.waitFor((e) => e.type === 'read' && e.offset + e.data.length === sent.length);
  vi.advanceTimersByTime(1_000);
  expect((await limitOf(receiver, 1)).limit).toBe('idle-timeout');
});

test('over --max-buffered, the connection whose bytes pass it is told and closed; the others keep theirs', async () => {
  // A holds 150 KiB of a 200 KiB message. B starts a 1 MiB one and keeps sending: its bytes
  // take the total past 256 KiB, so B is told, and cut off at its deadline. A's message
  // still completes, and with B's bytes let go, C's fits.
  receiver = await startReceiver({
    framing: 'length',
    readBytes: 64 * KiB,
    maxBufferedBytes: 256 * KiB,
    closeGraceMs: 200,
  });
  const a = await connect(receiver.port);
  const message = Buffer.alloc(200 * KiB, 0x61);
  const framed = Buffer.concat([header(message.length), message]);
  a.socket.write(framed.subarray(0, 150 * KiB + 4));
  await receiver.log.waitFor(
    (e) => e.type === 'read' && e.conn === 1 && e.offset + e.data.length === 150 * KiB + 4,
  );

  const b = await pest(receiver.port, header(1024 * KiB));
  const told = await limitOf(receiver, 2);
  expect(formatReceiverEvent(told)).toBe(
    `[2] its bytes take the total held past ${256 * KiB}: told to go (--max-buffered)`,
  );
  await b.closed;
  expect(await b.heard).toBe(NOTICES.buffered(256 * KiB));

  a.socket.end(framed.subarray(150 * KiB + 4));
  await receiver.closed(1);
  expect(receiver.of('message', 1).map((m) => m.data.equals(message))).toEqual([true]);

  const c = await connect(receiver.port);
  c.socket.end(encodeMessage('length', Buffer.alloc(200 * KiB, 0x63)));
  expect(await receiver.closed(3)).toMatchObject({ messages: 1 });
  expect(receiver.log.entries.filter((e) => e.type === 'limit').map((e) => e.conn)).toEqual([2, 2]); // B told, then B cut off at its deadline: nobody else
});
