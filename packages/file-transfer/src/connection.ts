// Support: one end of a file-transfer connection, as both sides use it. The socket, the bytes
// that have arrived on it (a reader with common's reads), and the protocol's messages going out
// and coming in. The stream mixes frames (OFFER, START, DONE) with the file's raw bytes between
// START and DONE, so it is read by asking for exactly what comes next: the 5-byte preamble,
// one frame, or the next `n` bytes of the file. A decoder that takes whole chunks (common's
// FrameDecoder) would read the first bytes of a file as the next frame header. How the bytes
// are read off the socket (Node's buffers, or the receiver's own) is socket-read.ts.
import type net from 'node:net';
import { FrameError, ShortReadError } from '@socket-lab/common';
import {
  decodeMessage,
  encodeMessage,
  MAX_CONTROL_FRAME_BYTES,
  type Message,
  ProtocolError,
} from './protocol.js';
import { type ByteReader, PlainReader } from './socket-read.js';

/**
 * 5 s: after a last answer, how long we go on reading (and dropping) what the peer still
 * sends, so that it reads our answer instead of losing it in a reset.
 */
const LINGER_MS = 5000;

/** The message of one type: `MessageOf<'offer'>` is `{ type: 'offer', hash, size, name }`. */
export type MessageOf<T extends Message['type']> = Extract<Message, { type: T }>;

/** A socket that speaks the protocol. The owner keeps its own 'error' listener on it. */
export class Connection {
  /**
   * `who` names the peer in log lines. `reader` reads `socket` (by default a PlainReader,
   * which starts reading now).
   */
  constructor(
    readonly socket: net.Socket,
    readonly who: string,
    /** What has arrived and not been read yet. */
    readonly reader: ByteReader = new PlainReader(socket),
  ) {}

  /** Sends one message (a whole frame). */
  send(msg: Message): void {
    this.socket.write(encodeMessage(msg));
  }

  /**
   * The next message, whatever its type; null at a clean end between two messages. Throws
   * FrameError (too large, or cut short) or ProtocolError (malformed).
   */
  async next(): Promise<Message | null> {
    const frame = await this.reader.readFrame(MAX_CONTROL_FRAME_BYTES);
    return frame && decodeMessage(frame);
  }

  /** The next message, which must be of type `type`; null at a clean end when `endOk`. */
  async read<T extends Message['type']>(type: T, endOk: true): Promise<MessageOf<T> | null>;
  async read<T extends Message['type']>(type: T): Promise<MessageOf<T>>;
  async read(type: Message['type'], endOk = false): Promise<Message | null> {
    const msg = await this.next();
    if (!msg) {
      if (endOk) return null;
      throw new FrameError('FRAME_TRUNCATED', `connection closed while waiting for ${type}`, 1);
    }
    if (msg.type !== type) throw new ProtocolError(`expected ${type}, got ${msg.type}`);
    return msg;
  }

  /**
   * Sends a last message and ends our side, then reads and drops whatever the peer still
   * sends for a while, so that our answer is read instead of lost in a reset.
   */
  endWith(msg: Message): void {
    this.socket.end(encodeMessage(msg));
    this.reader.discardRest();
    this.socket.setTimeout(LINGER_MS, () => this.socket.destroy());
  }
}

/**
 * For `.catch()` on a read: a connection cut short (the peer vanished mid-message) becomes
 * null, like a clean end; anything else is thrown on.
 */
export function nullIfCut(err: unknown): null {
  if (err instanceof ShortReadError) return null;
  if (err instanceof FrameError && err.code === 'FRAME_TRUNCATED') return null;
  throw err;
}
