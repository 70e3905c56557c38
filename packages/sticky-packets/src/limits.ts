// Support: the limits that keep the receiver up when its peers misbehave. The lesson in
// receiver.ts trusts every peer; a server on a real network cannot. A peer can open
// connections until we run out of file descriptors, open one and say nothing for hours, or
// start a message as long as --max-message allows and never finish it, on every connection
// it has. So, each with its flag (src/bin/start.ts) and its row in the README's limits table:
//
//   --max-clients N      connections served at once; one more is told "full" and closed
//   --idle-timeout S     a connection that sends no byte for S seconds is told and closed
//   --max-buffered SIZE  bytes held for all connections together: what has arrived and not
//                        been read, plus unfinished messages. The connection whose bytes
//                        would take the total past SIZE is told and closed
//   --grace S            how long a peer that was told to go has to close, then destroy()
//
// "Told" is one line of text, then FIN (end()). A peer may ignore both and keep sending, so
// the grace is a plain timer started at that moment (common's destroyAfter, src/deadline.ts).
// socket.setTimeout() would not do: it starts again with every byte that moves, and a peer
// that keeps sending would never go.
// Meanwhile what the peer sends is read and dropped, up to DROP_BYTES, so that a polite
// peer's FIN is seen at once. Past that the socket stays paused: the kernel holds the rest,
// TCP's flow control stops the peer, and it costs us nothing until the deadline.
import type net from 'node:net';
import { destroyAfter, formatPeer, READ_WINDOW_BYTES, type SocketReader } from '@socket-lab/common';
import type { ReceiverEvent } from './log.js';

/** As tcp-echo: no limit on clients unless asked (0). */
export const MAX_CLIENTS = 0;
/**
 * As tcp-echo: 5 minutes without a byte, then a peer is told and closed. A receiver that
 * keeps every abandoned connection runs out of file descriptors one day. 0 = never.
 */
export const IDLE_TIMEOUT_MS = 300_000;
/**
 * 64 MiB held across all connections: three peers' unfinished messages at the 16 MiB limit
 * (a fourth's header and unread bytes go past it), or a thousand slow readers' 64 KiB
 * windows. A real server sizes it from the memory it may use.
 */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** As tcp-echo: how long a peer told to go gets to close its side before we cut it off. */
export const CLOSE_GRACE_MS = 5_000;
/** What a peer told to go may still send that we read, and drop: one read window. */
export const DROP_BYTES = READ_WINDOW_BYTES;

export interface LimitOptions {
  /** Connections served at once; more are told and closed. 0 = no limit. */
  maxClients?: number;
  /** Close a connection that sends nothing this long. 0 = never. */
  idleTimeoutMs?: number;
  /** Bytes held across all connections (unread, and unfinished messages). 0 = no limit. */
  maxBufferedBytes?: number;
  /** How long a peer told to go has before it is destroyed; 0 = at once. */
  closeGraceMs?: number;
}

/** What the peer reads before our FIN: why it is being closed. One line each. */
export const NOTICES = {
  full: (max: number) => `receiver full (${clients(max)}): try again later\n`,
  idle: (seconds: number) => `idle for ${seconds} s: closing\n`,
  buffered: (max: number) => `receiver holds too much (${max} bytes in all): closing\n`,
};

type Why = Omit<ReceiverEvent & { type: 'limit' }, 'type'>;

/** The limits of one receiver: how many connections it serves, how many bytes they hold. */
export class ReceiverLimits {
  readonly maxClients: number;
  readonly idleTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly closeGraceMs: number;
  /** Connections served now (refused ones are not). */
  served = 0;
  /** Bytes held now, summed over the connections served and not told to go. */
  heldBytes = 0;

  constructor(
    opts: LimitOptions,
    readonly report: (event: ReceiverEvent) => void,
  ) {
    this.maxClients = opts.maxClients ?? MAX_CLIENTS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.closeGraceMs = opts.closeGraceMs ?? CLOSE_GRACE_MS;
  }

  /**
   * A Guard for connection `conn`, or null when --max-clients are served already: then the
   * peer has been told so, and is closed once it closes its side or its grace runs out.
   */
  admit(socket: net.Socket, conn: number): Guard | null {
    if (this.maxClients > 0 && this.served >= this.maxClients) {
      const message = `refused ${formatPeer(socket)}: ${clients(this.served)} served already`;
      this.tell(socket, { conn, limit: 'max-clients', message }, NOTICES.full(this.maxClients));
      let dropped = 0;
      socket.on('data', (chunk: Buffer) => {
        dropped += chunk.length;
        if (dropped >= DROP_BYTES) socket.pause();
      });
      return null;
    }
    this.served += 1;
    socket.once('close', () => {
      this.served -= 1;
    });
    return new Guard(this, socket, conn);
  }

  /**
   * Logs why, sends `notice` and FIN, and destroys the socket `closeGraceMs` later if it is
   * still open: a deadline from now, whatever the peer does meanwhile.
   */
  tell(socket: net.Socket, why: Why, notice: string): void {
    this.report({ type: 'limit', ...why });
    socket.end(notice);
    destroyAfter(socket, this.closeGraceMs, () => {
      const message = `still open ${this.closeGraceMs / 1000} s after being told: destroyed`;
      this.report({ type: 'limit', conn: why.conn, limit: 'grace', message });
    });
  }
}

/**
 * One served connection's share of the limits: its silence, and the bytes it holds. The
 * receiver calls `watch` once its reader and decoder exist, and reads through `unlessTold`,
 * so that a read in progress ends (null) the moment a limit ends the connection.
 */
export class Guard {
  /** True once a limit has told this peer to go. */
  told = false;
  private counted = 0; // this connection's bytes in limits.heldBytes
  private held: () => number = () => 0;
  private reader: SocketReader | undefined;
  private idle: NodeJS.Timeout | undefined;
  private stopWaiting: (() => void) | undefined; // ends the read in progress, if any

  constructor(
    private readonly limits: ReceiverLimits,
    private readonly socket: net.Socket,
    readonly conn: number,
  ) {
    socket.once('close', () => {
      clearTimeout(this.idle);
      this.release();
    });
  }

  /**
   * Starts counting: what `reader` holds unread plus `decoderBytes()` (an unfinished message)
   * against --max-buffered at every arrival, and the time since the last byte against
   * --idle-timeout.
   */
  watch(reader: SocketReader, decoderBytes: () => number): void {
    this.reader = reader;
    this.held = () => reader.bufferedBytes + decoderBytes();
    // Added after the reader's own 'data' listener, so the new bytes are in its count.
    this.socket.on('data', () => {
      this.idle?.refresh();
      this.recount();
    });
    const idleMs = this.limits.idleTimeoutMs;
    if (idleMs > 0) this.idle = setTimeout(() => this.checkIdle(), idleMs);
  }

  /**
   * Resolves as `read` does, or with null as soon as a limit tells the peer to go (at once,
   * if one has): the receiver stops there, and its unfinished message can be freed.
   */
  unlessTold<T>(read: Promise<T>): Promise<T | null> {
    if (this.told) return Promise.resolve(null);
    return new Promise<T | null>((resolve, reject) => {
      this.stopWaiting = () => resolve(null);
      read.then(resolve, reject).finally(() => {
        this.stopWaiting = undefined;
      });
    });
  }

  /** Brings this connection's share of the total up to date (after a read, say). */
  recount(): void {
    if (this.told) return;
    const now = this.held();
    const grew = now > this.counted;
    this.limits.heldBytes += now - this.counted;
    this.counted = now;
    const max = this.limits.maxBufferedBytes;
    if (grew && max > 0 && this.limits.heldBytes > max) {
      const message = `its bytes take the total held past ${max}: told to go`;
      this.tellToGo({ conn: this.conn, limit: 'max-buffered', message }, NOTICES.buffered(max));
    }
  }

  // The timer fires after idleTimeoutMs with no 'data'. When the socket is paused (our reader
  // is full) or bytes wait unread, the silence is ours, not the peer's: keep waiting.
  private checkIdle(): void {
    if (this.socket.isPaused() || (this.reader?.bufferedBytes ?? 0) > 0) {
      this.idle?.refresh();
      return;
    }
    const seconds = this.limits.idleTimeoutMs / 1000;
    const message = `no bytes for ${seconds} s: told to go`;
    this.tellToGo({ conn: this.conn, limit: 'idle-timeout', message }, NOTICES.idle(seconds));
  }

  // Its bytes stop counting now, and the receiver's read ends, so that its unfinished message
  // is freed; what the peer still sends is read and dropped, up to DROP_BYTES.
  private tellToGo(why: Why, notice: string): void {
    this.told = true;
    this.release();
    clearTimeout(this.idle);
    this.limits.tell(this.socket, why, notice);
    this.stopWaiting?.();
    if (this.reader) void drain(this.reader);
  }

  private release(): void {
    this.limits.heldBytes -= this.counted;
    this.counted = 0;
    this.held = () => 0; // and let go of the decoder
  }
}

/**
 * Reads and drops up to DROP_BYTES, or until the stream ends. Past that the reader fills its
 * window and pauses the socket: the kernel holds the rest, and TCP stops the sender.
 */
async function drain(reader: SocketReader): Promise<void> {
  for (let dropped = 0; dropped < DROP_BYTES; ) {
    const piece = await reader.read(DROP_BYTES - dropped);
    if (piece === null) return;
    dropped += piece.length;
  }
}

/** `1 client`, `4 clients`. */
function clients(n: number): string {
  return `${n} client${n === 1 ? '' : 's'}`;
}
