// A UDP request and its answer: the part every UDP client needs and the seeds left out.
// UDP promises nothing. A datagram or its answer can be lost, and nothing says so: no error,
// no FIN, no RST, just silence. So a client waits a limited time, sends again a few times,
// and then says that the message was lost. udp-echo and udp-time both ask this way.
//
// It also takes care over *which* datagram it takes as the answer, because anyone can send
// to our port and an answer can arrive after we stopped waiting for it:
//   1. the answer must come from the address and port we sent to (others are "foreign");
//   2. the caller's `isAnswer` must accept it (udp-echo: the same bytes, or upper-cased);
//   3. after a request that needed a second try, or got no answer at all, late copies of
//      its answer may still be on their way. The next request therefore goes out from a
//      fresh socket (a new source port), and those copies arrive at a port nobody listens
//      on. DNS resolvers do the same, for the same reason.
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { formatHostPort } from './address.js';
import { describeNetError, FatalError } from './errors.js';

/** How long to wait and how often to try, per request. */
export interface UdpRequestOptions {
  /** How long each try waits for the answer. */
  timeoutMs: number;
  /** Tries after the first one (2 means up to 3 datagrams sent). */
  retries: number;
  /** Whether a datagram from the server answers `request`. Default: any datagram does. */
  isAnswer?: (answer: Buffer, request: Buffer) => boolean;
}

/** Things worth telling the user while a request is under way. */
export type UdpEvent =
  | { kind: 'retry'; attempt: number; attempts: number; timeoutMs: number }
  | { kind: 'ignored'; reason: 'foreign' | 'not-the-answer'; from: string; data: Buffer }
  | { kind: 'socket-error'; message: string };

/** What became of one request. */
export type UdpOutcome =
  | {
      ok: true;
      answer: Buffer;
      from: string;
      /** How many datagrams we sent before the answer came. */
      tries: number;
      /**
       * Round-trip time, only when the first try was answered: after a resend we cannot
       * know which copy the answer belongs to (Karn's rule, the same reason TCP skips them).
       */
      rttMs: number | null;
    }
  | { ok: false; tries: number };

/** The largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header). */
export const MAX_UDP_PAYLOAD_IPV4 = 65_507;
/** Over IPv6 the 40-byte header is not counted in the 65,535: 65,535 − 8. */
export const MAX_UDP_PAYLOAD_IPV6 = 65_527;

interface Answer {
  data: Buffer;
  from: string;
  at: number;
}

interface Pending {
  request: Buffer;
  isAnswer: (answer: Buffer, request: Buffer) => boolean;
  deliver: (answer: Buffer, from: string) => void;
}

/** One client's conversation with one UDP server: a request at a time, each with retries. */
export class UdpRequester {
  /** The server's address as we send to it, e.g. `127.0.0.1:8888`. */
  readonly target: string;
  private socket: dgram.Socket;
  private pending: Pending | null = null;
  private tainted = false;
  private closed = false;

  private constructor(
    readonly address: string,
    readonly port: number,
    private readonly family: 4 | 6,
    private readonly onEvent: (event: UdpEvent) => void,
  ) {
    this.target = formatHostPort(address, port);
    this.socket = this.createSocket();
  }

  /**
   * Resolves `host` once (so every answer can be checked against one address) and opens a
   * socket. Fails with a one-line FatalError if the host cannot be resolved.
   */
  static async open(
    host: string,
    port: number,
    onEvent: (event: UdpEvent) => void = () => {},
  ): Promise<UdpRequester> {
    try {
      const { address, family } = await dns.lookup(host);
      return new UdpRequester(address, port, family === 6 ? 6 : 4, onEvent);
    } catch (err) {
      throw new FatalError(describeNetError(err, { action: `resolve ${host}`, host, port }));
    }
  }

  /** The local port requests are sent from (it changes after a lost or resent request). */
  localPort(): number | undefined {
    try {
      return this.socket.address().port;
    } catch {
      return undefined; // not bound yet: the first send binds it
    }
  }

  /**
   * Sends `payload` and waits for its answer, resending after each timeout. Resolves with
   * the answer, or with `ok: false` when every try went unanswered. Rejects only when the
   * datagram cannot be sent at all (e.g. larger than UDP allows).
   */
  async request(payload: Buffer, opts: UdpRequestOptions): Promise<UdpOutcome> {
    if (this.closed) throw new Error('the requester is closed');
    if (this.pending) throw new Error('one request at a time');
    if (this.tainted) this.renewSocket();
    const attempts = opts.retries + 1;
    const isAnswer = opts.isAnswer ?? (() => true);

    let tries = 0;
    let sentAt = 0;
    let answered: ((value: Answer) => void) | undefined;
    const answer = new Promise<Answer>((resolve) => {
      answered = resolve;
    });
    this.pending = {
      request: payload,
      isAnswer,
      deliver: (data, from) => answered?.({ data, from, at: performance.now() }),
    };

    try {
      while (tries < attempts) {
        if (tries > 0) {
          this.onEvent({ kind: 'retry', attempt: tries + 1, attempts, timeoutMs: opts.timeoutMs });
        }
        tries += 1;
        sentAt = performance.now();
        await this.send(payload);
        const got = await waitAtMost(answer, opts.timeoutMs);
        if (got) {
          const rttMs = tries === 1 ? got.at - sentAt : null;
          if (tries > 1) this.tainted = true; // the other copies may still be answered
          return { ok: true, answer: got.data, from: got.from, tries, rttMs };
        }
      }
      this.tainted = true; // a late answer may yet come: let it find a closed port
      return { ok: false, tries };
    } finally {
      this.pending = null;
    }
  }

  /** Closes the socket. Safe to call twice. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private createSocket(): dgram.Socket {
    const socket = dgram.createSocket(this.family === 6 ? 'udp6' : 'udp4');
    // An unconnected UDP socket rarely fails after it is created, but an 'error' with no
    // listener would end the process; say it and carry on (the request will time out).
    socket.on('error', (err) => this.onEvent({ kind: 'socket-error', message: err.message }));
    socket.on('message', (data, rinfo) => {
      const fromServer = rinfo.address === this.address && rinfo.port === this.port;
      this.receive(data, formatHostPort(rinfo.address, rinfo.port), fromServer);
    });
    return socket;
  }

  // Every datagram that reaches our port comes through here, wanted or not.
  private receive(data: Buffer, from: string, fromServer: boolean): void {
    const pending = this.pending;
    if (!fromServer) {
      this.onEvent({ kind: 'ignored', reason: 'foreign', from, data });
    } else if (pending?.isAnswer(data, pending.request)) {
      pending.deliver(data, from);
    } else {
      // From the server, but not what we are waiting for: a late copy, or nothing pending.
      this.onEvent({ kind: 'ignored', reason: 'not-the-answer', from, data });
    }
  }

  private renewSocket(): void {
    const old = this.socket;
    old.close();
    this.socket = this.createSocket();
    this.tainted = false;
  }

  private send(payload: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(payload, this.port, this.address, (err) => {
        if (!err) return resolve();
        const tooBig = (err as NodeJS.ErrnoException).code === 'EMSGSIZE';
        reject(
          new FatalError(
            tooBig
              ? `cannot send ${payload.length} bytes to ${this.target}: too long for one UDP datagram (at most ${this.family === 6 ? `${MAX_UDP_PAYLOAD_IPV6} over IPv6` : `${MAX_UDP_PAYLOAD_IPV4} over IPv4`})`
              : describeNetError(err, { action: `send to ${this.target}`, port: this.port }),
          ),
        );
      });
    });
  }
}

/** The value of `promise` if it settles within `ms`, or null. The timer never outlives it. */
async function waitAtMost<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
