// Support: seed 001's sending side (`client --protocol seed`), for its Python receiver: each
// line of the file in one write, then wait for `success` (seed-protocol.ts has the rules and
// what breaks them).
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { connectTcp, FatalError, previewBytes, SocketReader } from '@socket-lab/common';
import { SEED_ACK, SEED_MAX_LINE_BYTES, SEED_QUIT, SEED_READ_BYTES } from './seed-protocol.js';
import { describeFsError, formatBytes } from './units.js';

export interface SeedSendOptions {
  host: string;
  port: number;
  timeoutMs?: number;
}

/** What the seed's sending side did: `complete` when every line got its `success`. */
export interface SeedReport {
  lines: number;
  bytes: number;
  complete: boolean;
  message: string;
  /** From connect to the last answer. */
  seconds: number;
}

/** Sends one file the seed's way, on a new connection. Rejects only if it cannot connect. */
export async function sendSeedFile(file: string, opts: SeedSendOptions): Promise<SeedReport> {
  await fs.access(file).catch((err: unknown) => {
    throw new FatalError(`cannot read ${file}: ${describeFsError(err)}`);
  });
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const socket = await connectTcp({ host: opts.host, port: opts.port, timeoutMs });
  socket.on('error', () => {}); // seen by the reader and the writes below
  socket.setTimeout(timeoutMs, () =>
    socket.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)),
  );
  const reader = new SocketReader(socket);
  const report: SeedReport = { lines: 0, bytes: 0, complete: false, message: '', seconds: 0 };
  const began = performance.now();

  // One line in one write, then wait for its answer: the seed's stop-and-wait. (Written in two
  // pieces, a line can arrive as two reads and earn two answers, and the count is off.)
  const sendLine = async (pieces: Buffer[]): Promise<boolean> => {
    const line = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
    report.bytes += line.length;
    if (!socket.write(line)) await once(socket, 'drain');
    report.lines += 1;
    const answer = await reader.recv(SEED_READ_BYTES);
    if (answer?.equals(SEED_ACK)) return true;
    report.message = answer
      ? `line ${report.lines}: the receiver answered "${previewBytes(answer)}", not "success"; stopped, as the seed does`
      : `line ${report.lines}: the receiver closed the connection`;
    return false;
  };

  try {
    // Like the seed's `for line in f`, each line is held whole, however long (a binary file
    // may be one long "line"); SEED_MAX_LINE_BYTES keeps that from taking all memory.
    let pieces: Buffer[] = [];
    let held = 0;
    let going = true;
    const chunks = createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>;
    for await (const chunk of chunks) {
      for (let start = 0; going && start < chunk.length; ) {
        const nl = chunk.indexOf(0x0a, start);
        const end = nl < 0 ? chunk.length : nl + 1;
        pieces.push(chunk.subarray(start, end));
        held += end - start;
        start = end;
        if (nl >= 0 || held >= SEED_MAX_LINE_BYTES) {
          going = await sendLine(pieces);
          pieces = [];
          held = 0;
        }
      }
      if (!going) break;
    }
    if (going && held > 0) going = await sendLine(pieces); // a last line without a newline
    report.complete = going;
    report.seconds = (performance.now() - began) / 1000;
    if (going) {
      report.message = `${report.lines} lines (${formatBytes(report.bytes)}) in ${report.seconds.toFixed(2)} s, each answered "success"`;
    }
    socket.end(SEED_QUIT);
    if (!socket.closed) await once(socket, 'close');
  } catch (err) {
    report.message ||= (err as Error).message;
    socket.destroy();
  }
  return report;
}
