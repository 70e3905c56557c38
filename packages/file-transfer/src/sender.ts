// The sender of seed 001, done right: the other side of receive.ts. The seed sends a file line
// by line and waits for `success` after each one: one round trip per line, no size, no
// checksum, and a file with a line `quit` in it ends early. Here each file is offered (name,
// size, hash), the receiver says where to start (resume), the bytes stream as fast as the
// socket drains, and the receiver answers with the result of its own check of our digest.
// Run: pnpm --filter file-transfer client FILE...   (with `pnpm --filter file-transfer start`)
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHasher, hashPrefix } from './digest.js';
import { ReceiverLink } from './link.js';
import type { HashName } from './protocol.js';
import { describeReport, type FileReport, newReport } from './report.js';
import { describeFsError, formatBytes } from './units.js';

/** 1 MiB per disk read: few system calls, and the socket always has the next chunk ready. */
export const READ_CHUNK_BYTES = 1024 * 1024;
/** 60 s to connect, and to wait for each answer. */
export const SENDER_TIMEOUT_MS = 60_000;

export interface SendOptions {
  host: string;
  port: number;
  hash?: HashName;
  timeoutMs?: number;
  /** Lines for people: what happens to each file. */
  log?: (line: string) => void;
  /** Called after each chunk: `done` counts from the file's start (resumed bytes included). */
  onProgress?: (p: { file: string; done: number; size: number; resumedFrom: number }) => void;
  /** Aborting stops the transfer politely: the receiver keeps what it got, for resume. */
  signal?: AbortSignal;
}

/** Sends each file in turn over one connection (a new one if the receiver closed it). */
export async function sendFiles(files: string[], opts: SendOptions): Promise<FileReport[]> {
  const linkOptions = { ...opts, timeoutMs: opts.timeoutMs ?? SENDER_TIMEOUT_MS };
  const log = opts.log ?? console.error;
  const reports: FileReport[] = [];
  let link: ReceiverLink | undefined;
  try {
    for (const file of files) {
      if (opts.signal?.aborted) break;
      if (!link?.usable) {
        try {
          link = await ReceiverLink.open(linkOptions);
        } catch (err) {
          if (reports.length === 0) throw err; // cannot connect at all: one line, exit 1
          // The receiver went away between two files.
          reports.push({ ...newReport(file), message: (err as Error).message });
          log(describeReport(reports.at(-1) as FileReport));
          break;
        }
      }
      const report = await sendFile(link, file, opts);
      log(describeReport(report));
      reports.push(report);
      if (report.status === 'interrupted') break;
    }
  } finally {
    link?.close();
  }
  return reports;
}

/** One file: offer, agree on a start, stream, send the digest, read the receiver's verdict. */
export async function sendFile(
  link: ReceiverLink,
  file: string,
  opts: SendOptions,
): Promise<FileReport> {
  const hash = opts.hash ?? 'blake3';
  const say = opts.log ?? console.error;
  const began = performance.now();
  const report = newReport(file);
  const end = (status: FileReport['status'], message: string, code?: FileReport['code']) => {
    Object.assign(report, { status, message, code });
    report.seconds = (performance.now() - began) / 1000;
    return report;
  };

  const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => err);
  if (stat instanceof Error) return end('failed', `cannot read it: ${describeFsError(stat)}`);
  if (!stat.isFile()) return end('failed', 'not a regular file');
  const size = stat.size;
  report.size = size;

  try {
    // 1. The offer: only the base name travels; where the file lives here is our business.
    link.send({ type: 'offer', hash, size, name: path.basename(file) });
    const answer = await link.answer(opts.signal);
    if (answer.type === 'result') return end('refused', answer.text, answer.code);
    if (answer.type !== 'accept') throw new Error(`unexpected ${answer.type} from the receiver`);

    // 2. Resume only if the receiver's bytes are the start of *this* file: same digest over
    // the same prefix. Those bytes also start our digest of the whole file.
    const handle = await fs.open(file, 'r');
    let hasher = createHasher(hash);
    let offset = 0;
    let done = 0;
    try {
      if (answer.offset > 0 && answer.offset <= size && hash !== 'none') {
        await hashPrefix(handle, answer.offset, hasher);
        if (hasher.digest().equals(answer.prefixDigest)) offset = answer.offset;
        else hasher = createHasher(hash);
      }
      report.resumedFrom = offset;
      link.send({ type: 'start', offset });
      if (offset > 0) {
        say(
          `${file}: resuming at ${formatBytes(offset)} (the receiver's copy of that much matches)`,
        );
      } else if (answer.offset > 0) {
        const theirs = formatBytes(answer.offset);
        say(`${file}: the receiver's ${theirs} are not the start of this file; sending it all`);
      }

      // 3. The bytes. Two buffers take turns: while one is on its way out through the socket,
      // the next part of the file is read into the other. We wait for the socket to finish
      // with a buffer before reading into it again, and that wait is the backpressure: when
      // the receiver or the network is slower than our disk, we slow down with it, and memory
      // stays at two buffers whatever the file's size.
      done = offset;
      const buffers = [Buffer.allocUnsafe(READ_CHUNK_BYTES), Buffer.allocUnsafe(READ_CHUNK_BYTES)];
      const sent: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
      for (let turn = 0; done < size; turn ^= 1) {
        await sent[turn];
        if (opts.signal?.aborted || link.hasNews) break;
        const buffer = buffers[turn] as Buffer;
        const { bytesRead } = await handle.read(
          buffer,
          0,
          Math.min(buffer.length, size - done),
          done,
        );
        if (bytesRead === 0) break; // the file shrank while we were sending it
        if (opts.signal?.aborted) break; // stopped while we were reading
        const chunk = buffer.subarray(0, bytesRead);
        hasher.update(chunk);
        sent[turn] = link.write(chunk, opts.signal);
        done += bytesRead;
        report.sentBytes = done - offset;
        opts.onProgress?.({ file, done, size, resumedFrom: offset });
      }
      await Promise.all(sent);
    } finally {
      await handle.close();
    }
    if (opts.signal?.aborted) {
      link.close(); // FIN: the receiver keeps what arrived, and we can resume later
      return end(
        'interrupted',
        `interrupted after ${formatBytes(done)} of ${formatBytes(size)}; send it again to resume`,
      );
    }
    if (link.hasNews) {
      // The receiver answered before we finished: it failed (a full disk) or went away.
      const early = await link.answer();
      link.close();
      return early.type === 'result'
        ? end('failed', early.text, early.code)
        : end('failed', `unexpected ${early.type} from the receiver`);
    }
    if (done < size) {
      link.close();
      return end('failed', `the file shrank to ${formatBytes(done)} while being sent`);
    }

    // 4. Our digest; the receiver compares it with its own and says what it did.
    const digest = hasher.digest();
    link.send({ type: 'done', digest });
    const verdict = await link.answer(opts.signal);
    if (verdict.type !== 'result') throw new Error(`unexpected ${verdict.type} from the receiver`);
    if (verdict.code !== 'saved') return end('failed', verdict.text, verdict.code);
    if (hash !== 'none') report.digest = digest;
    return end('saved', verdict.text, verdict.code);
  } catch (err) {
    link.socket.destroy();
    const sent =
      report.sentBytes > 0
        ? ` after ${formatBytes(report.resumedFrom + report.sentBytes)} of ${formatBytes(size)}`
        : '';
    if (opts.signal?.aborted)
      return end('interrupted', `interrupted${sent}; send it again to resume`);
    return end('failed', `connection lost${sent}: ${(err as Error).message}`);
  }
}
