// The receiver of seed 003 (`start`): accept a connection, then loop: recv(1024), print
// what came, sleep a random moment. The sender wrote seven messages; the reads come out as
// 17/302/200/1/1024/976, or some other way, because TCP carries a stream of bytes and
// keeps no trace of where one write() ended. With `framing` set, the same reads go
// through a decoder that finds the messages again.
// Run: pnpm --filter sticky-packets start      Poke: nc 127.0.0.1 6666
import net from 'node:net';
import { describeNetError, FrameError, formatPeer } from '@socket-lab/common';
import { bytesLabel, counted, withPreview } from './format.js';
import { type BeforeRead, randomPause } from './pacing.js';
import { createMessageDecoder, type Framing } from './protocol.js';
import { ReceiveBuffer } from './receive-buffer.js';

/** The seed's `recv(1024)`: the most one read takes. */
export const RECV_BYTES = 1024;
/** The seed sleeps `random.random()` seconds between reads: up to 1 s. */
export const DEFAULT_DELAY_MS = 1000;

/** What the receiver saw, as data (tests and the demo read these; the CLI prints them). */
export type ReceiverEvent =
  | { type: 'connected'; conn: number; peer: string }
  /** `offset`: where this read starts in the stream; `heldBytes`: what the decoder keeps. */
  | { type: 'read'; conn: number; index: number; data: Buffer; offset: number; heldBytes: number }
  | { type: 'message'; conn: number; index: number; data: Buffer }
  | { type: 'closed'; conn: number; reads: number; bytes: number; messages: number | undefined }
  | { type: 'error'; conn: number; message: string };

export interface ReceiverOptions {
  framing?: Framing;
  /** Bytes per read, the argument of recv(). */
  readBytes?: number;
  /** The upper bound of the random pause between reads; 0 for none. */
  delayMs?: number;
  /** Replaces the random pause: the tests and the demo decide when each read happens. */
  beforeRead?: BeforeRead;
  /** The largest message `length` and `line` framing accept. */
  maxMessageBytes?: number;
  report?: (event: ReceiverEvent) => void;
}

/** A TCP server that reads each connection the seed's way and reports every read. */
export function createReceiver(opts: ReceiverOptions = {}): net.Server {
  const report = opts.report ?? ((event) => console.log(formatReceiverEvent(event)));
  let nextConn = 1;
  const server = net.createServer((socket) => {
    const conn = nextConn++;
    // A peer that resets shows up here; without a listener it would stop the server.
    socket.on('error', (err) =>
      report({ type: 'error', conn, message: describeNetError(err, { action: 'read' }) }),
    );
    serve(socket, conn, opts, report).catch((err: Error) => {
      report({ type: 'error', conn, message: `unexpected error: ${err.message}` });
      socket.destroy();
    });
  });
  server.on('error', (err) => report({ type: 'error', conn: 0, message: err.message }));
  return server;
}

async function serve(
  socket: net.Socket,
  conn: number,
  opts: ReceiverOptions,
  report: (event: ReceiverEvent) => void,
): Promise<void> {
  report({ type: 'connected', conn, peer: formatPeer(socket) });
  const buffer = new ReceiveBuffer(socket);
  const decoder = createMessageDecoder(opts.framing ?? 'none', opts.maxMessageBytes);
  const beforeRead = opts.beforeRead ?? randomPause(opts.delayMs ?? DEFAULT_DELAY_MS);
  let reads = 0;
  let messages = 0;
  try {
    while (true) {
      await beforeRead(buffer);
      const data = await buffer.recv(opts.readBytes ?? RECV_BYTES);
      if (data === null) break; // the peer closed and every byte has been read
      reads += 1;
      let whole: Buffer[] = [];
      let refused: unknown;
      try {
        whole = decoder?.push(data) ?? [];
      } catch (err) {
        refused = err; // a bad header: still show the read that carried it, then stop
      }
      const offset = buffer.consumedBytes - data.length;
      report({
        type: 'read',
        conn,
        index: reads,
        data,
        offset,
        heldBytes: decoder?.bufferedBytes ?? 0,
      });
      for (const message of whole) {
        messages += 1;
        report({ type: 'message', conn, index: messages, data: message });
      }
      if (refused) throw refused;
      if (decoder?.error) throw decoder.error; // the messages before a bad header came first
    }
    decoder?.end();
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    // Too large, or cut short: either way the boundaries are lost, and nothing after this
    // point can be trusted. Say so and hang up.
    report({ type: 'error', conn, message: err.message });
    socket.destroy();
  }
  report({
    type: 'closed',
    conn,
    reads,
    bytes: buffer.consumedBytes,
    messages: decoder && messages,
  });
}

/** The line the CLI prints for an event. */
export function formatReceiverEvent(event: ReceiverEvent): string {
  const tag = `[${event.conn}]`;
  switch (event.type) {
    case 'connected':
      return `${tag} connected from ${event.peer}`;
    case 'read': {
      const held =
        event.heldBytes > 0
          ? `  (holding ${bytesLabel(event.heldBytes)} of an unfinished message)`
          : '';
      return `${withPreview(`${tag} read ${event.index}: ${bytesLabel(event.data.length)}`, event.data)}${held}`;
    }
    case 'message':
      return withPreview(
        `${tag}   message ${event.index}: ${bytesLabel(event.data.length)}`,
        event.data,
      );
    case 'closed': {
      const reads = counted(event.reads, 'read');
      const what =
        event.messages === undefined ? reads : `${counted(event.messages, 'message')} in ${reads}`;
      return `${tag} closed: ${what}, ${bytesLabel(event.bytes)}`;
    }
    case 'error':
      return `${tag} ${event.message}`;
  }
}
