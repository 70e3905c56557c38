// A UDP request and its answer: the part every UDP client needs and the seeds left out.
// UDP promises nothing. A datagram or its answer can be lost, and nothing says so: no error,
// no FIN, no RST, just silence. So a client waits a limited time, sends again a few times,
// and then says that the message was lost. udp-echo and udp-time both ask this way:
// `askEach` is their request loop (one request at a time, each with retries, each reply
// told as answered, lost or refused), and `UdpRequester` the socket under it.
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
import { toInteger, toMilliseconds, UsageError } from './args.js';
import { describeNetError, FatalError } from './errors.js';
import { lookupAtOnce } from './listen.js';
import { onShutdown } from './shutdown.js';

/**
 * One second per try. A loopback or LAN round trip takes well under a millisecond, so a
 * second of silence means the datagram is gone; across the internet, real clients (DNS
 * resolvers) start higher and wait longer after each loss.
 */
export const UDP_TIMEOUT_MS = 1000;
/** Two more tries after the first: three datagrams, then we call it lost. */
export const UDP_RETRIES = 2;

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

/** Where a UDP client asks, how patiently, and where it tells what happens on the way. */
export interface UdpClientOptions {
  host: string;
  port: number;
  /** How long each try waits for the answer (default UDP_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Tries after the first (default UDP_RETRIES). */
  retries?: number;
  /** Where retries, ignored datagrams and losses go (stderr in the CLI). */
  note?: (line: string) => void;
  /** Called once the socket is open, so Ctrl+C can close it. */
  opened?: (requester: UdpRequester) => void;
}

/** askEach's options: a client's, with its answer rule. */
export interface AskOptions extends UdpClientOptions {
  isAnswer?: UdpRequestOptions['isAnswer'];
  /**
   * How to tell of a datagram from the server that `isAnswer` turned down, after
   * `ignored N bytes from HOST:PORT: ` (default: `not the answer to this request`).
   */
  notTheAnswer?: (data: Buffer) => string;
}

/** What became of one request of askEach. */
export type UdpReply =
  | {
      kind: 'answered';
      request: Buffer;
      answer: Buffer;
      from: string;
      /** How many datagrams we sent before the answer came, of `attempts` at most. */
      tries: number;
      attempts: number;
      /** Round-trip time, only when the first try was answered (see UdpOutcome). */
      rttMs: number | null;
    }
  /** Every try, each `timeoutMs` long, went unanswered: `target` is where they went. */
  | { kind: 'lost'; request: Buffer; tries: number; timeoutMs: number; target: string }
  /** The OS would not send it (e.g. too long for one datagram): `message` says why. */
  | { kind: 'refused'; request: Buffer; message: string };

/**
 * A UDP client's request loop: opens one requester, sends each request in turn, waits for
 * its answer with retries, and yields what became of it before it reads the next request
 * (so at a prompt, the answer prints before the next prompt). Retries, ignored datagrams and
 * socket errors go to `note` as they happen. The socket is closed when `requests` ends or
 * the caller stops early. Throws a one-line FatalError only if `host` cannot be resolved.
 * Each try waits `timeoutMs` (default UDP_TIMEOUT_MS), with `retries` (default UDP_RETRIES).
 */
export async function* askEach(
  requests: AsyncIterable<Buffer>,
  opts: AskOptions,
): AsyncGenerator<UdpReply, void, undefined> {
  const note = opts.note ?? console.error;
  const notTheAnswer = opts.notTheAnswer ?? (() => 'not the answer to this request');
  const requester = await UdpRequester.open(opts.host, opts.port, (event) =>
    note(describeUdpEvent(event, notTheAnswer)),
  );
  opts.opened?.(requester);
  const patience = {
    timeoutMs: opts.timeoutMs ?? UDP_TIMEOUT_MS,
    retries: opts.retries ?? UDP_RETRIES,
    isAnswer: opts.isAnswer,
  };
  const attempts = patience.retries + 1;
  try {
    for await (const request of requests) {
      let outcome: UdpOutcome;
      try {
        outcome = await requester.request(request, patience);
      } catch (err) {
        // Too long to send, or the requester was closed under us (Ctrl+C): tell, go on.
        yield { kind: 'refused', request, message: (err as Error).message };
        continue;
      }
      if (outcome.ok) {
        const { answer, from, tries, rttMs } = outcome;
        yield { kind: 'answered', request, answer, from, tries, attempts, rttMs };
      } else {
        const { tries } = outcome;
        yield {
          kind: 'lost',
          request,
          tries,
          timeoutMs: patience.timeoutMs,
          target: requester.target,
        };
      }
    }
  } finally {
    await requester.close();
  }
}

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
    // lookupAtOnce: every request goes to one IP address, resolved in open(); without it,
    // dgram would look that address up again before each send.
    const socket = dgram.createSocket({
      type: this.family === 6 ? 'udp6' : 'udp4',
      lookup: lookupAtOnce,
    });
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

/**
 * One line for an event of a request under way. `notTheAnswer` words a datagram from the
 * server that was not the answer (udp-echo: "not the echo of this message").
 */
export function describeUdpEvent(event: UdpEvent, notTheAnswer: (data: Buffer) => string): string {
  switch (event.kind) {
    case 'retry':
      return `no answer within ${event.timeoutMs / 1000} s, sending again (try ${event.attempt} of ${event.attempts})`;
    case 'ignored':
      return `ignored ${event.data.length} bytes from ${event.from}: ${event.reason === 'foreign' ? 'not the server' : notTheAnswer(event.data)}`;
    case 'socket-error':
      return `socket error: ${event.message}`;
  }
}

/**
 * One line for a request that got no answer: `no answer after 3 tries of 1 s: lost on the
 * way there or back, or nothing listens on 127.0.0.1:8888`. From the client, the three
 * look the same: silence. `what` names the request after "no answer" (` to "hello"`).
 */
export function describeLoss(reply: UdpReply & { kind: 'lost' }, what = ''): string {
  const tries = `${reply.tries} ${reply.tries === 1 ? 'try' : 'tries'}`;
  return (
    `no answer${what} after ${tries} of ${reply.timeoutMs / 1000} s: ` +
    `lost on the way there or back, or nothing listens on ${reply.target}`
  );
}

/**
 * The `--timeout SECONDS` and `--retries N` flags of a UDP client, to spread into its
 * CliSpec's `flags`, with the defaults above. `words` finish the help lines: "how long each
 * try waits for {answer}", "how many times to send again before {giveUp}".
 */
export function retryFlagSpecs(words: { answer: string; giveUp: string }) {
  return {
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: String(UDP_TIMEOUT_MS / 1000),
      description: `how long each try waits for ${words.answer}`,
    },
    retries: {
      type: 'string',
      valueName: 'N',
      default: String(UDP_RETRIES),
      description: `how many times to send again before ${words.giveUp}`,
    },
  } as const;
}

/**
 * A client's `--timeout SECONDS` and `--retries N` flags, checked (usage errors for a zero
 * timeout or a count outside 0 to 100), as askEach takes them.
 */
export function readRetryFlags(flags: { timeout: string; retries: string }): {
  timeoutMs: number;
  retries: number;
} {
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  if (timeoutMs === 0) throw new UsageError('--timeout must be more than 0 seconds');
  return { timeoutMs, retries: toInteger(flags.retries, '--retries', 0, 100) };
}

/**
 * For a client's entry point: on Ctrl+C or SIGTERM, closes the requester (once askEach has
 * opened it) and exits 0. The exit is needed because a prompt may still hold stdin open,
 * and we are done anyway. Returns the `opened` hook to hand to askEach.
 */
export function closeOnShutdown(): (requester: UdpRequester) => void {
  let requester: UdpRequester | undefined;
  onShutdown(async () => {
    await requester?.close();
    process.exit(0);
  });
  return (opened) => {
    requester = opened;
  };
}
