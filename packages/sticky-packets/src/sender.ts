// Seed 003's sender (`client`), the other side of the lesson: connect, then for each
// message sleep a random moment and write it. Seven writes, seven distinct messages in the
// sender's mind, but TCP only promises the bytes, in order. With `framing` set, each
// message carries its boundary (see protocol.ts for the bytes).
// Run: pnpm --filter sticky-packets client     (with `pnpm --filter sticky-packets start` running)
import { once } from 'node:events';
import { connectTcp, describeNetError, FatalError, formatHostPort } from '@socket-lab/common';
import { formatSenderEvent, type SenderEvent } from './log.js';
import { type BeforeWrite, randomGap } from './pacing.js';
import { encodeMessage, type Framing } from './protocol.js';

/** The seed sleeps `random.random()` seconds before each send: up to 1 s. */
export const DEFAULT_GAP_MS = 1000;

export interface SenderOptions {
  host: string;
  port: number;
  framing?: Framing;
  messages: Iterable<Buffer> | AsyncIterable<Buffer>;
  /** The upper bound of the random gap before each write; 0 for none. */
  gapMs?: number;
  /** Replaces the random gap: the tests and the demo decide when each write happens. */
  beforeWrite?: BeforeWrite;
  /** How long connecting may take (common's default otherwise). */
  connectTimeoutMs?: number;
  report?: (event: SenderEvent) => void;
}

/**
 * Connects, writes each message (framed if asked), then closes with FIN. Resolves with
 * the number of writes and bytes once the kernel has them all; rejects with a FatalError
 * (one readable line) if connecting or writing fails. The socket is closed either way.
 */
export async function sendMessages(
  opts: SenderOptions,
): Promise<{ writes: number; bytes: number }> {
  const report = opts.report ?? ((event) => console.log(formatSenderEvent(event)));
  const framing = opts.framing ?? 'none';
  const beforeWrite = opts.beforeWrite ?? randomGap(opts.gapMs ?? DEFAULT_GAP_MS);
  const to = formatHostPort(opts.host, opts.port);
  const where = { host: opts.host, port: opts.port };
  const socket = await connectTcp({ ...where, timeoutMs: opts.connectTimeoutMs });
  // Settles once: with 'close', or with the first error (a reset). It is also our 'error'
  // listener, added before the next await, so an error while we sleep never goes unheard.
  const closed = new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
  closed.catch(() => {}); // awaited below
  report({ type: 'connected', to });

  let writes = 0;
  let bytes = 0;
  try {
    for await (const payload of opts.messages) {
      await beforeWrite(writes);
      if (socket.destroyed) break; // reset while we slept: `closed` has the error
      const wire = encodeMessage(framing, payload);
      // write() queues everything (unlike Python's send(), which may take only part).
      // false means the queue is long: wait for 'drain' before adding more.
      if (!socket.write(wire)) await Promise.race([once(socket, 'drain'), closed]);
      writes += 1;
      bytes += wire.length;
      report({ type: 'write', index: writes, payload, wireBytes: wire.length });
    }
    // FIN: no more bytes from us; the receiver sees the end of the stream once it has read
    // everything. 'finish' means the kernel has all our bytes, and it keeps delivering them
    // after we close. (Waiting for the peer's FIN could take forever: seed 003's server
    // never closes a finished connection until the next client comes.)
    socket.end();
    await Promise.race([once(socket, 'finish'), closed]);
    socket.destroy();
  } catch (err) {
    socket.destroy();
    if (err instanceof RangeError) throw new FatalError(err.message);
    throw new FatalError(describeNetError(err, { action: `send to ${to}`, ...where }));
  }
  report({ type: 'done', writes, bytes });
  return { writes, bytes };
}
