// Start here. Seed 003's receiver, and the whole lesson: TCP carries a stream of bytes, not
// messages. The sender writes seven messages (17, 1, 300, 1, 200, 1 and 2000 bytes); this
// receiver reads them the seed's way, recv(1024) with a random pause between reads, and
// gets 17/302/200/1/1024/976, or some other cut, because TCP keeps no trace of where one
// write() ended. Then the fix: the sender puts a 4-byte length in front of each message,
// and LengthPrefixDecoder (at the end of this file) finds the messages again, however the
// reads fell. The limits a real server needs (clients, idle time, bytes held) are in limits.ts.
// Run: pnpm --filter sticky-packets start      Poke: nc 127.0.0.1 6666
import net from 'node:net';
import {
  DEFAULT_MAX_FRAME_BYTES,
  describeNetError,
  FRAME_HEADER_BYTES,
  FrameError,
  formatPeer,
  frameTooLargeError,
  frameTruncatedError,
  SocketReader,
} from '@socket-lab/common';
import { type Guard, type LimitOptions, ReceiverLimits } from './limits.js';
import { formatReceiverEvent, type ReceiverEvent } from './log.js';
import { type BeforeRead, randomPause } from './pacing.js';
import { type Framing, LineDecoder, type MessageDecoder } from './protocol.js';

/** The seed's `recv(1024)`: the most one read takes. */
export const RECV_BYTES = 1024;
/** The seed sleeps `random.random()` seconds between reads: up to 1 s. */
export const DEFAULT_DELAY_MS = 1000;

export interface ReceiverOptions extends LimitOptions {
  framing?: Framing;
  /** Bytes per read, the argument of recv(). */
  readBytes?: number;
  /** The upper bound of the random pause between reads; 0 for none. */
  delayMs?: number;
  /** Replaces the random pause: the tests and the demo decide when each read happens. */
  beforeRead?: BeforeRead;
  /** The largest message `length` and `line` framing accept. */
  maxMessageBytes?: number;
  /** Where events go (the CLI prints them; tests and the demo keep them). */
  report?: (event: ReceiverEvent) => void;
}

type Reporting = ReceiverOptions & Required<Pick<ReceiverOptions, 'report'>>; // report settled

/** A TCP server that reads each connection the seed's way and reports every read. */
export function createReceiver(opts: ReceiverOptions = {}): net.Server {
  const report = opts.report ?? ((event) => console.log(formatReceiverEvent(event)));
  const limits = new ReceiverLimits(opts, report);
  let nextConn = 1;
  const server = net.createServer((socket) => {
    const conn = nextConn++;
    // A peer that resets shows up here; without a listener it would stop the server.
    socket.on('error', (err) =>
      report({ type: 'error', conn, message: describeNetError(err, { action: 'read' }) }),
    );
    const guard = limits.admit(socket, conn);
    if (!guard) return; // one client too many: told so, and closed (limits.ts)
    serve(socket, guard, { ...opts, report }).catch((err: Error) => {
      report({ type: 'error', conn, message: `unexpected error: ${err.message}` });
      socket.destroy();
    });
  });
  server.on('error', (err) => report({ type: 'error', conn: 0, message: err.message }));
  return server;
}

async function serve(socket: net.Socket, guard: Guard, opts: Reporting): Promise<void> {
  const { conn } = guard;
  const { report, framing = 'none', maxMessageBytes: max } = opts;
  report({ type: 'connected', conn, peer: formatPeer(socket) });
  // Node has no recv(): it reads the kernel eagerly and emits chunks. The reader keeps them,
  // as the kernel's receive buffer would while the program sleeps.
  const reader = new SocketReader(socket);
  let decoder: MessageDecoder | undefined; // none for `none`: raw reads have no messages
  if (framing === 'length') decoder = new LengthPrefixDecoder(max);
  if (framing === 'line') decoder = new LineDecoder(max);
  guard.watch(reader, () => decoder?.bufferedBytes ?? 0); // bytes held, and silence: limits.ts
  const beforeRead = opts.beforeRead ?? randomPause(opts.delayMs ?? DEFAULT_DELAY_MS);
  let reads = 0;
  let messages = 0;
  try {
    for (;;) {
      await beforeRead(reader);
      // The seed assumes one send() arrives as one recv(). Here is where that stops being
      // true: recv takes what has arrived, up to 1024 bytes, wherever the writes ended.
      const data = await guard.unlessTold(reader.recv(opts.readBytes ?? RECV_BYTES));
      if (data === null) break; // the end of the stream, or a limit ended it (limits.ts)
      reads += 1;
      const whole = decoder?.push(data) ?? [];
      guard.recount();
      const offset = reader.consumedBytes - data.length;
      const heldBytes = decoder?.bufferedBytes ?? 0;
      report({ type: 'read', conn, index: reads, data, offset, heldBytes });
      for (const message of whole) {
        messages += 1;
        report({ type: 'message', conn, index: messages, data: message });
      }
      if (decoder?.error) throw decoder.error; // a bad header: its read was shown, now stop
    }
    if (!guard.told) decoder?.end();
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    // Too large, or cut short: the boundaries are lost; nothing after can be trusted. Hang up.
    report({ type: 'error', conn, message: err.message });
    socket.destroy();
  }
  const bytes = reader.consumedBytes;
  report({ type: 'closed', conn, reads, bytes, messages: decoder && messages });
}

/** The fix: reads go in, cut anywhere; whole messages come out (often none: not an error). */
export class LengthPrefixDecoder implements MessageDecoder {
  private pieces: Buffer[] = []; // what came and is not a whole message yet, read by read
  bufferedBytes = 0; // their bytes
  private length = -1; // the next message's length: its 4-byte big-endian header, once here
  error: FrameError | undefined;

  constructor(readonly maxMessageBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(read: Buffer): Buffer[] {
    if (this.error) throw this.error;
    this.pieces.push(read);
    this.bufferedBytes += read.length;
    const messages: Buffer[] = [];
    for (;;) {
      if (this.length < 0 && this.bufferedBytes >= FRAME_HEADER_BYTES) {
        this.length = Buffer.concat(this.pieces, FRAME_HEADER_BYTES).readUInt32BE(0);
        // Refused before a byte of it is kept: a garbled `ff ff ff ff` claims 4 GiB.
        if (this.length > this.maxMessageBytes) {
          this.error = frameTooLargeError(this.length, this.maxMessageBytes);
          this.bufferedBytes = 0;
          return messages; // the ones before it still count; the receiver checks `error`
        }
      }
      const size = FRAME_HEADER_BYTES + this.length;
      if (this.length < 0 || this.bufferedBytes < size) return messages; // not whole yet
      messages.push(Buffer.concat(this.pieces, size).subarray(FRAME_HEADER_BYTES)); // a copy
      // The message ended in this read, so what follows it is the rest of this read.
      this.bufferedBytes -= size;
      this.pieces = [read.subarray(read.length - this.bufferedBytes)];
      this.length = -1;
    }
  }

  end(): void {
    if (this.error) throw this.error;
    if (this.bufferedBytes > 0) throw frameTruncatedError(this.bufferedBytes, this.length);
  }
}
