// Seed 001's own protocol, kept on purpose (`--protocol seed` on both sides): its Python
// sender and receiver work with ours, and its flaws can be watched instead of taken on trust.
//   sender:   for each line of the file: send(line), recv(1024), stop unless it was `success`;
//             then send(`quit`)
//   receiver: loop: data = recv(1024); if data == `quit`: stop; append data to `file`;
//             send(`success`)
// What breaks it, each shown by a test:
//   - a file whose last line is `quit` (no newline after it): that line is taken for the end;
//   - a line longer than 1024 bytes takes two reads, so two `success`es come back, and if they
//     arrive together the sender reads `successsuccess` and stops early;
//   - binary data has no lines worth the name: long runs without a 0x0a, so the same;
//   - there is no size and no checksum, so nobody notices; and one round trip per line is slow.

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { describeNetError, FatalError, formatHostPort, formatPeer } from '@socket-lab/common';
import { partialName, pathInside } from './names.js';
import { SocketReader } from './reader.js';
import { describeFsError, formatBytes } from './units.js';

/** The seed's `recv(1024)`, on both sides. */
export const SEED_READ_BYTES = 1024;
export const SEED_ACK = Buffer.from('success');
export const SEED_QUIT = Buffer.from('quit');
/** 64 MiB: a "line" longer than this is sent in pieces of this size (the seed has no limit). */
export const SEED_MAX_LINE_BYTES = 64 * 1024 * 1024;
/** The seed saves everything as `file`. So do we, then `file (1)`, `file (2)`, … */
export const SEED_FILE_NAME = 'file';

export interface SeedReceiverOptions {
  dir: string;
  overwrite?: boolean;
  maxSize?: number;
  idleTimeoutMs?: number;
  log?: (line: string) => void;
}

/** A server that speaks the seed's receiving side, one `file` per sender. */
export function createSeedReceiver(opts: SeedReceiverOptions): net.Server {
  const log = opts.log ?? console.log;
  let nextId = 1;
  const server = net.createServer((socket) => {
    const who = `seed sender #${nextId++}`;
    log(`${who} connected from ${formatPeer(socket)}`);
    socket.on('error', (err) => log(`${who}: ${err.message}`));
    const idleMs = opts.idleTimeoutMs ?? 60_000;
    socket.setTimeout(idleMs, () => socket.destroy(new Error(`silent for ${idleMs / 1000} s`)));
    receiveSeedFile(socket, who, opts, log).then(
      () => socket.end(),
      (err: unknown) => {
        log(`${who}: ${describeFsError(err)}`);
        socket.destroy();
      },
    );
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  return server;
}

async function receiveSeedFile(
  socket: net.Socket,
  who: string,
  opts: SeedReceiverOptions,
  log: (line: string) => void,
): Promise<void> {
  const reader = new SocketReader(socket);
  // The seed appends to `file` as it goes; we write a hidden partial, for the same reason as
  // the real protocol: a transfer that never said `quit` must not look finished.
  const temp = pathInside(
    opts.dir,
    partialName(`${SEED_FILE_NAME}.${randomBytes(4).toString('hex')}`),
  );
  const out = await fs.open(temp, 'wx');
  let reads = 0;
  let bytes = 0;
  try {
    for (;;) {
      const data = await reader.recv(SEED_READ_BYTES);
      if (!data) {
        log(`${who}: closed without "quit" after ${reads} reads (${bytes} bytes); dropped them`);
        await fs.rm(temp, { force: true });
        return;
      }
      // The seed's only way to know the file has ended: one read that is exactly `quit`.
      if (data.equals(SEED_QUIT)) break;
      await out.write(data);
      reads += 1;
      bytes += data.length;
      if (opts.maxSize && bytes > opts.maxSize) {
        log(`${who}: more than --max-size ${opts.maxSize} bytes; dropped them and closed`);
        await fs.rm(temp, { force: true });
        return;
      }
      socket.write(SEED_ACK);
    }
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  } finally {
    await out.close();
  }
  const name = await placeSeedFile(temp, opts);
  log(`${who}: "quit" after ${reads} reads (${bytes} bytes): saved as ${name}`);
}

/** Renames the temp file to `file`, or the first free `file (N)` without --overwrite. */
async function placeSeedFile(temp: string, opts: SeedReceiverOptions): Promise<string> {
  if (opts.overwrite) {
    await fs.rename(temp, pathInside(opts.dir, SEED_FILE_NAME));
    return SEED_FILE_NAME;
  }
  for (let n = 0; ; n++) {
    const name = n === 0 ? SEED_FILE_NAME : `${SEED_FILE_NAME} (${n})`;
    try {
      await fs.link(temp, pathInside(opts.dir, name)); // fails if the name is taken
      await fs.rm(temp);
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

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
  const where = formatHostPort(opts.host, opts.port);
  await fs.access(file).catch((err: unknown) => {
    throw new FatalError(`cannot read ${file}: ${describeFsError(err)}`);
  });
  const socket = net.connect({ host: opts.host, port: opts.port });
  socket.on('error', () => {}); // seen by the reader and the writes below
  try {
    await once(socket, 'connect');
  } catch (err) {
    throw new FatalError(describeNetError(err, { action: `connect to ${where}`, ...opts }));
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
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
      ? `line ${report.lines}: the receiver answered ${JSON.stringify(answer.toString('latin1'))}, not "success"; stopped, as the seed does`
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
