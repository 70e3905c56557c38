// Support: the sender's connection to a receiver. It connects (common's connectTcp), swaps
// preambles, and then reads the receiver's answers through the same Connection the receiver
// uses, each answer within a time limit. An answer that comes while a file is still
// streaming is noticed at once (`hasNews`): a receiver whose disk fills up says so, and the
// sender stops instead of pushing the rest of a 4 GiB file into a dead end.
import type net from 'node:net';
import {
  connectTcp,
  describeNetError,
  FatalError,
  FrameError,
  formatHostPort,
} from '@socket-lab/common';
import { Connection } from './connection.js';
import {
  checkPreamble,
  encodePreamble,
  type Message,
  PREAMBLE_BYTES,
  ProtocolError,
} from './protocol.js';

export interface LinkOptions {
  host: string;
  port: number;
  /** How long to wait for the connection, and for each answer. */
  timeoutMs: number;
}

/** An open connection to a receiver that has answered with a good preamble. */
export class ReceiverLink extends Connection {
  /** Writes still waiting for the socket: each is let go early if the receiver speaks. */
  private readonly unsent = new Set<() => void>();
  /** Whether a watch for the receiver's next words is running (one at a time). */
  private watching = false;

  private constructor(
    socket: net.Socket,
    private readonly opts: LinkOptions,
    readonly where = formatHostPort(opts.host, opts.port),
  ) {
    super(socket, where);
  }

  /** Connects and swaps preambles. Rejects with a FatalError (one readable line). */
  static async open(opts: LinkOptions): Promise<ReceiverLink> {
    // noDelay: control frames are small, and each one is waited for.
    const socket = await connectTcp({ ...opts, noDelay: true });
    // Errors reach us through the reader (it ends, with `failure`) and the writes' callbacks.
    socket.on('error', () => {});
    const link = new ReceiverLink(socket, opts);
    try {
      socket.write(encodePreamble());
      const hello = await link.within('its preamble', link.reader.readExactly(PREAMBLE_BYTES));
      if (!hello) throw new Error(link.lost());
      checkPreamble(hello);
    } catch (err) {
      socket.destroy();
      throw new FatalError(`${link.where}: ${(err as Error).message}`);
    }
    return link;
  }

  /** Whether the receiver has said something (or gone) that nobody has read yet. */
  get hasNews(): boolean {
    return this.reader.bufferedBytes > 0 || this.reader.ended;
  }

  /** Whether the connection can still carry another file. */
  get usable(): boolean {
    return !this.reader.ended && !this.socket.destroyed && this.socket.writable;
  }

  /**
   * Writes file bytes. Resolves once the socket has handed them to the kernel, so the buffer
   * can be used again; or early, as soon as the receiver says something, the connection
   * fails, or `stop` is aborted (the caller then stops sending, and must not reuse it).
   */
  write(chunk: Buffer, stop?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        stop?.removeEventListener('abort', done);
        this.unsent.delete(done);
        resolve();
      };
      stop?.addEventListener('abort', done);
      this.socket.write(chunk, () => done());
      if (stop?.aborted || this.hasNews) return done();
      this.unsent.add(done);
      this.watchForNews();
    });
  }

  /**
   * The receiver's next message. Rejects if the connection ends, if nothing comes in time, or
   * if `stop` is aborted; the connection is then of no further use.
   */
  async answer(stop?: AbortSignal): Promise<Message> {
    let msg: Message | null;
    try {
      msg = await this.within('an answer', this.next(), stop);
    } catch (err) {
      if (err instanceof FrameError && err.code === 'FRAME_TRUNCATED') throw new Error(this.lost());
      if (err instanceof FrameError || err instanceof ProtocolError) {
        throw new Error(`the receiver broke the protocol: ${err.message}`);
      }
      throw err;
    }
    if (!msg) throw new Error(this.lost());
    if (msg.type === 'error') throw new Error(`the receiver says: ${msg.text}`);
    return msg;
  }

  /** Ends the connection politely (FIN after everything written). */
  close(): void {
    this.socket.end();
  }

  /**
   * Waits for `pending`, at most the time limit, and no longer than `stop`. A read left
   * waiting would take the next message, so on a timeout or a stop the connection is closed.
   */
  private async within<T>(what: string, pending: Promise<T>, stop?: AbortSignal): Promise<T> {
    pending.catch(() => {}); // if we stop waiting, how it ends is nobody's business
    let giveUp: (why: string) => void = () => {};
    const gaveUp = new Promise<never>((_, reject) => {
      giveUp = (why) => {
        reject(new Error(why));
        this.socket.destroy();
      };
    });
    const seconds = this.opts.timeoutMs / 1000;
    const late = `no answer from ${this.where} within ${seconds} s (waiting for ${what})`;
    const timer = setTimeout(() => giveUp(late), this.opts.timeoutMs);
    const onAbort = () => giveUp('interrupted');
    if (stop?.aborted) onAbort();
    stop?.addEventListener('abort', onAbort);
    try {
      return await Promise.race([pending, gaveUp]);
    } finally {
      clearTimeout(timer);
      stop?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Once the receiver says something unread (or the connection ends), lets go every write
   * still waiting. One watch for all of them: a listener per write would pile up, a few
   * thousand of them for each gigabyte, until the file's end.
   */
  private watchForNews(): void {
    if (this.watching) return;
    this.watching = true;
    void (async () => {
      while (!this.hasNews) await this.reader.change();
      this.watching = false;
      for (const done of [...this.unsent]) done();
    })();
  }

  /** Why the connection ended: the receiver's FIN, or the socket error behind it. */
  private lost(): string {
    const err = this.reader.failure;
    if (!err) return 'the receiver closed the connection';
    const { host, port } = this.opts;
    return describeNetError(err, { action: 'talk', host, port }).replace(/^cannot talk: /, '');
  }
}
