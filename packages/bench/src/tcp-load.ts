// The benchmark's load generator: C connections to an echo server, each sending M messages of
// S bytes one at a time and waiting for the whole echo before the next (a closed loop, like
// the seed's client), checking every byte. It runs in its own process (tcp-load-process.ts), so
// the server it measures does not share its event loop.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile } from './stats.js';

export { percentile };

export interface LoadOptions {
  host: string;
  port: number;
  clients: number;
  messages: number;
  size: number;
  /** The server speaks first: its first read is a greeting, not an echo. */
  greeting: boolean;
  /** Connections opened at once, at most (the server's listen backlog, or less). */
  connectsInFlight?: number;
  /** Stop starting new messages after this long; the result says so. */
  timeLimitMs: number;
  /** Called once every client is connected (and greeted); the clock starts when it resolves. */
  ready?: () => Promise<void> | void;
  /** Called when the last message is done, before the connections are closed. */
  finished?: () => Promise<void> | void;
}

export interface LoadResult {
  /** Clients that connected (and were greeted). */
  connected: number;
  /** Messages whose echo came back whole and exact. */
  messages: number;
  /** Payload bytes echoed (one direction). */
  bytes: number;
  elapsedMs: number;
  rttMs: { p50: number; p99: number; max: number };
  errors: number;
  /** The first few distinct error messages. */
  errorSamples: string[];
  stoppedByTimeLimit: boolean;
  connectMs: number;
  /** CPU time this process used while measuring, in ms. */
  cpuMs: number;
}

/**
 * Connects at most this many at once. A burst larger than the server's listen backlog
 * overflows its accept queue; Linux then answers with SYN cookies, and a connection whose
 * last ACK finds the queue full is dropped by the server while the client believes it is
 * open, and waits for a greeting that never comes. Node's backlog is 511.
 */
export const CONNECTS_IN_FLIGHT = 200;
/** How long connecting and being greeted may take, per client, before it counts as an error. */
export const CONNECT_TIMEOUT_MS = 30_000;
/** Warm-up messages in all (shared by the clients), and the most time warming up may take. */
const WARMUP_MESSAGES = 2000;
const WARMUP_MS = 1000;
/** After the time limit, how long messages already sent may take before they count as lost. */
const STRAGGLER_MS = 10_000;
/** How long closing takes at most (each client sends `exit`, then FIN, and waits for close). */
const TEARDOWN_MS = 10_000;

/** Runs the load and resolves with what it measured. Never rejects for a server's fault. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const errors = new Map<string, number>();
  const fail = (why: string) => errors.set(why, (errors.get(why) ?? 0) + 1);
  const rtts = new Float64Array(opts.clients * opts.messages);
  let rttCount = 0;

  // 1. Connect everyone, a few hundred at a time, and wait for each greeting.
  const connectStart = performance.now();
  const clients: LoadClient[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    let settled = 0;
    const startOne = () => {
      if (next >= opts.clients) return;
      const client = new LoadClient(next++, opts, fail, (rtt) => {
        rtts[rttCount++] = rtt;
      });
      clients.push(client);
      client.connect(() => {
        settled += 1;
        if (settled === opts.clients) resolve();
        else startOne();
      });
    };
    const inFlight = Math.min(opts.connectsInFlight ?? CONNECTS_IN_FLIGHT, opts.clients);
    for (let i = 0; i < inFlight; i++) startOne();
  });
  const connectMs = performance.now() - connectStart;
  const live = clients.filter((c) => c.state === 'ready');

  // 2. Warm up, unmeasured: a few thousand messages in all, at most a second, so that both
  // programs' hot code is compiled before the clock runs (V8 starts out interpreting).
  const warmup = Math.ceil(WARMUP_MESSAGES / Math.max(1, live.length));
  await runAll(live, warmup, performance.now() + WARMUP_MS, false);
  await opts.ready?.();

  // 3. Everyone sends at once; each client sends its next message when its echo is back.
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const stoppedByTimeLimit = await runAll(live, opts.messages, start + opts.timeLimitMs, true);
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  await opts.finished?.();

  // 4. Say `exit` (the seed's servers need it: their threads spin on a closed socket
  // otherwise), close, and wait for the server to close too.
  let teardown: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(clients.map((c) => c.close())),
    new Promise((resolve) => {
      teardown = setTimeout(resolve, TEARDOWN_MS);
    }),
  ]);
  clearTimeout(teardown);
  for (const c of clients) c.socket?.destroy();

  const sorted = rtts.subarray(0, rttCount).sort();
  const done = live.reduce((sum, c) => sum + c.measured, 0);
  return {
    connected: live.length,
    messages: done,
    bytes: done * opts.size,
    elapsedMs,
    rttMs: {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted.length ? (sorted[sorted.length - 1] as number) : 0,
    },
    errors: [...errors.values()].reduce((a, b) => a + b, 0),
    errorSamples: [...errors.entries()].slice(0, 5).map(([why, n]) => `${why} (${n}x)`),
    stoppedByTimeLimit,
    connectMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/**
 * Has every client send `messages` messages, or stop at `deadline`; resolves true if the
 * deadline came first. Echoes still missing STRAGGLER_MS after it count as errors.
 */
function runAll(
  clients: LoadClient[],
  messages: number,
  deadline: number,
  measured: boolean,
): Promise<boolean> {
  let late = false;
  let straggler: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    let running = clients.length;
    if (running === 0) return resolve(false);
    const oneDone = () => {
      running -= 1;
      if (running > 0) return;
      clearTimeout(timer);
      clearTimeout(straggler);
      resolve(late);
    };
    const timer = setTimeout(() => {
      late = true;
      straggler = setTimeout(() => {
        for (const c of clients) c.abandon('no echo within the time limit');
      }, STRAGGLER_MS);
    }, deadline - performance.now());
    for (const c of clients) c.run(messages, deadline, measured, oneDone);
  });
}

/**
 * Fills `buf` with message `seq` of client `id`: a header `#id:seq:` then letters, all
 * upper-case ASCII and digits, so no read can spell `exit` and every message differs.
 */
export function fillMessage(buf: Buffer, id: number, seq: number): void {
  const header = `#${id}:${seq}:`;
  buf.write(header.slice(0, buf.length), 'latin1');
  for (let i = header.length; i < buf.length; i++) buf[i] = 0x41 + ((id + seq + i) % 26);
}

class LoadClient {
  socket: net.Socket | null = null;
  state: 'connecting' | 'greeting' | 'ready' | 'closing' | 'failed' = 'connecting';
  /** Messages whose echo came back while the clock ran. */
  measured = 0;
  /** Messages sent so far, warm-up included: numbers each message. */
  private seq = 0;
  private left = 0;
  private recording = false;
  private readonly message: Buffer;
  private got = 0;
  private sentAt = 0;
  private busy = false;
  private onFinished: (() => void) | null = null;
  private deadline = 0;

  constructor(
    readonly id: number,
    private readonly opts: LoadOptions,
    private readonly fail: (why: string) => void,
    private readonly record: (rttMs: number) => void,
  ) {
    this.message = Buffer.alloc(opts.size);
  }

  connect(settled: () => void): void {
    let reported = false;
    const once = () => {
      if (!reported) settled();
      reported = true;
    };
    const socket = net.connect({ host: this.opts.host, port: this.opts.port, noDelay: true });
    this.socket = socket;
    const ready = () => {
      this.state = 'ready';
      socket.setTimeout(0);
      once();
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
      this.error(`not ${this.state === 'greeting' ? 'greeted' : 'connected'} within 30 s`),
    );
    socket.on('connect', () => {
      if (this.opts.greeting) this.state = 'greeting';
      else ready();
    });
    socket.on('data', (chunk: Buffer) => {
      // The first read is the greeting, as the seed's client takes it.
      if (this.state === 'greeting') ready();
      else this.onData(chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.error(err.code ?? err.message));
    socket.on('close', () => {
      if (this.state !== 'closing') this.error('closed by the server');
      once();
      this.finish();
    });
  }

  /** Sends `messages` one after another (or until `deadline`), then calls `finished`. */
  run(messages: number, deadline: number, measured: boolean, finished: () => void): void {
    this.left = messages;
    this.deadline = deadline;
    this.recording = measured;
    this.onFinished = finished;
    this.send();
  }

  abandon(why: string): void {
    if (this.busy) this.error(why);
    this.finish();
  }

  close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.resolve();
    this.state = 'closing'; // from now on, bytes (a pipe echo sends `exit` back) are ignored
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end('exit');
    });
  }

  private send(): void {
    if (this.left === 0 || this.state !== 'ready' || performance.now() > this.deadline) {
      this.finish();
      return;
    }
    this.left -= 1;
    fillMessage(this.message, this.id, this.seq++);
    this.got = 0;
    this.busy = true;
    this.sentAt = performance.now();
    this.socket?.write(this.message);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closing') return;
    // Compare in place, message[got, got + n) against the chunk: no copies.
    const fits = this.busy && this.got + chunk.length <= this.message.length;
    if (!fits || this.message.compare(chunk, 0, chunk.length, this.got, this.got + chunk.length)) {
      this.error(
        !this.busy
          ? 'bytes nobody asked for'
          : fits
            ? 'echo differs from what was sent'
            : 'more bytes than sent',
      );
      return;
    }
    this.got += chunk.length;
    if (this.got < this.message.length) return;
    if (this.recording) {
      this.record(performance.now() - this.sentAt);
      this.measured += 1;
    }
    this.busy = false;
    this.send();
  }

  private error(why: string): void {
    if (this.state === 'failed') return;
    this.fail(why);
    this.state = 'failed';
    this.busy = false;
    this.socket?.destroy();
    this.finish();
  }

  private finish(): void {
    const finished = this.onFinished;
    this.onFinished = null;
    finished?.();
  }
}
