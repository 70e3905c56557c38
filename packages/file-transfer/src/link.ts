// The sender's connection to a receiver: connect, swap preambles, then write frames and file
// bytes and read the receiver's answers. Everything the receiver sends after its preamble is
// a frame, so common's FrameDecoder takes each chunk as it comes. Answers are queued as they
// arrive, even while a file is streaming: a receiver whose disk fills up says so at once, and
// the sender stops instead of pushing the rest of a 4 GiB file into a dead end.
import net from 'node:net';
import {
  describeNetError,
  FatalError,
  FrameDecoder,
  FrameError,
  formatHostPort,
} from '@socket-lab/common';
import {
  checkPreamble,
  decodeMessage,
  encodeMessage,
  encodePreamble,
  MAX_CONTROL_FRAME_BYTES,
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
export class ReceiverLink {
  private readonly decoder = new FrameDecoder({ maxFrameBytes: MAX_CONTROL_FRAME_BYTES });
  private preamble = Buffer.alloc(0);
  private readonly inbox: Message[] = [];
  private failure: Error | undefined;
  /** Called whenever something happens: a message, a connect, an end, an error. */
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly socket: net.Socket,
    private readonly opts: LinkOptions,
    readonly where = formatHostPort(opts.host, opts.port),
    private readonly timeoutMs = opts.timeoutMs,
  ) {
    socket.on('connect', () => this.notify());
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('error', (err) => this.fail(new Error(this.describe(err))));
    socket.on('end', () => this.fail(new Error('the receiver closed the connection')));
    socket.on('close', () => this.fail(new Error('the connection closed')));
  }

  /** Connects and swaps preambles. Rejects with a FatalError (one readable line). */
  static async open(opts: LinkOptions): Promise<ReceiverLink> {
    const socket = net.connect({ host: opts.host, port: opts.port });
    const link = new ReceiverLink(socket, opts);
    const { where } = link;
    socket.setNoDelay(true); // control frames are small and each one is waited for
    let connected = false;
    try {
      await link.until(() => socket.readyState === 'open', 'the connection');
      connected = true;
      socket.write(encodePreamble());
      await link.until(() => link.preamble.length >= PREAMBLE_BYTES, 'its preamble');
      checkPreamble(link.preamble.subarray(0, PREAMBLE_BYTES));
    } catch (err) {
      socket.destroy();
      const why = (err as Error).message;
      throw new FatalError(connected ? `${where}: ${why}` : `cannot connect to ${where}: ${why}`);
    }
    return link;
  }

  /** Whether the receiver has said something (or gone) that nobody has read yet. */
  get hasNews(): boolean {
    return this.inbox.length > 0 || this.failure !== undefined;
  }

  /** Whether the connection can still carry another file. */
  get usable(): boolean {
    return this.failure === undefined && !this.socket.destroyed && this.socket.writable;
  }

  /** Sends one control message. */
  send(msg: Message): void {
    this.socket.write(encodeMessage(msg));
  }

  /**
   * Writes file bytes. Resolves once the socket has handed them to the kernel, so the buffer
   * can be used again; or early, as soon as the receiver says something, the connection
   * fails, or `stop` is aborted (the caller then stops sending).
   */
  write(chunk: Buffer, stop?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.waiters.delete(check);
        stop?.removeEventListener('abort', done);
        resolve();
      };
      const check = () => {
        if (this.hasNews) done();
      };
      this.waiters.add(check);
      stop?.addEventListener('abort', done);
      this.socket.write(chunk, done);
      // Already stopped, or already told something: an 'abort' or a notify that came before
      // we listened will not come again.
      if (stop?.aborted) done();
      else check();
    });
  }

  /** The receiver's next message. Rejects if the connection ends or nothing comes in time. */
  async next(stop?: AbortSignal): Promise<Message> {
    await this.until(() => this.inbox.length > 0, 'an answer', stop);
    const msg = this.inbox.shift();
    if (!msg) throw new Error('interrupted');
    if (msg.type === 'error') throw new Error(`the receiver says: ${msg.text}`);
    return msg;
  }

  /** Ends the connection politely (FIN after everything written). */
  close(): void {
    this.socket.end();
  }

  private take(chunk: Buffer): void {
    try {
      if (this.preamble.length < PREAMBLE_BYTES) {
        const need = PREAMBLE_BYTES - this.preamble.length;
        this.preamble = Buffer.concat([this.preamble, chunk.subarray(0, need)]);
        chunk = chunk.subarray(need);
      }
      for (const frame of this.decoder.push(chunk)) this.inbox.push(decodeMessage(frame));
    } catch (err) {
      if (!(err instanceof FrameError || err instanceof ProtocolError)) throw err;
      this.fail(new Error(`the receiver broke the protocol: ${err.message}`));
      this.socket.destroy();
    }
    this.notify();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /**
   * Waits until `ready()` holds, looking again whenever something happens. Rejects with the
   * connection's failure, or when nothing comes within the timeout.
   */
  private until(ready: () => boolean, what: string, stop?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        finish(
          new Error(
            `no answer from ${this.where} within ${this.timeoutMs / 1000} s (waiting for ${what})`,
          ),
        );
      }, this.timeoutMs);
      const check = () => {
        if (ready() || stop?.aborted) finish();
        else if (this.failure) finish(this.failure);
      };
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        stop?.removeEventListener('abort', check);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(check);
      stop?.addEventListener('abort', check);
      check();
    });
  }

  private describe(err: NodeJS.ErrnoException): string {
    const { host, port } = this.opts;
    return describeNetError(err, { action: 'talk', host, port }).replace(/^cannot talk: /, '');
  }
}
