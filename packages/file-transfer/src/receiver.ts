// The receiver of seed 001, done right. The seed appends every recv(1024) to `file` and stops
// when one read is exactly `quit`: it cannot tell where a file ends, whether it arrived whole,
// or keep a name from escaping its folder. Here each file is offered first (name, size, hash),
// checked before a byte is written, streamed into a hidden partial file, verified against the
// sender's digest, and only then renamed into place. Node serves every sender on one thread.
// Run: pnpm --filter file-transfer start      Then: pnpm --filter file-transfer client FILE

import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FrameError, formatPeer } from '@socket-lab/common';
import { createHasher, type Hasher, sumLine } from './digest.js';
import { partialName, pathInside, sanitizeName } from './names.js';
import {
  checkPreamble,
  DIGEST_BYTES,
  decodeMessage,
  encodeMessage,
  encodePreamble,
  MAX_CONTROL_FRAME_BYTES,
  type Message,
  PREAMBLE_BYTES,
  ProtocolError,
  type ResultCode,
} from './protocol.js';
import { ShortReadError, SocketReader } from './reader.js';
import { commitPartial, hashPrefix, openPartial, type Partial, sweepPartials } from './store.js';
import { describeFsError, formatBytes, formatRate } from './units.js';

/** 60 s: a sender that says nothing for this long is dropped (the seed would wait forever). */
export const IDLE_TIMEOUT_MS = 60_000;
/** 24 h: how long a partial file waits for its sender to come back and resume. */
export const KEEP_PARTIAL_MS = 24 * 3600_000;
/** 1 MiB written to disk at a time: large writes, flat memory. */
const WRITE_BUFFER_BYTES = 1024 * 1024;
/**
 * 4 MiB of file bytes between two young-generation collections, when the process runs with
 * --expose-gc (as `pnpm start` does). Node 20 gives every read of an accepted socket a new
 * 64 KiB buffer. Each is garbage once written, but V8 frees such memory only at its next
 * collection and lets up to 64 MB of it pile up first. A scavenge is cheap (the young
 * generation is a few MB) and frees them: the receiver then peaks ~20 MB lower. Without the
 * flag this does nothing, and memory is still flat whatever the file size.
 */
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;
/** 5 s: after a fatal answer, how long we read and drop the sender's bytes so it sees the answer. */
const LINGER_MS = 5000;

export interface ReceiverOptions {
  /** Where files are saved (it must exist). */
  dir: string;
  overwrite?: boolean;
  /** Largest file accepted, in bytes; 0 or absent: no limit. */
  maxSize?: number;
  idleTimeoutMs?: number;
  keepPartialMs?: number;
  /** fsync each file before the rename, so a power cut cannot leave it empty. */
  fsync?: boolean;
  log?: (line: string) => void;
  /** Called as file bytes arrive, with how many of the file are held so far. */
  onProgress?: (name: string, heldBytes: number) => void;
}

interface Connection {
  socket: net.Socket;
  reader: SocketReader;
  who: string;
}

/** A TCP server that receives files into `opts.dir`. Call `close()` (or closeServer) to stop. */
export function createReceiver(opts: ReceiverOptions): net.Server {
  const log = opts.log ?? console.log;
  const busy = new Set<string>(); // names being received right now, one sender each
  let nextId = 1;

  const server = net.createServer((socket) => {
    const who = `sender #${nextId++}`;
    log(`${who} connected from ${formatPeer(socket)}`);
    socket.on('error', (err) => log(`${who}: ${err.message}`));
    const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    socket.setTimeout(idleMs, () => socket.destroy(new Error(`silent for ${idleMs / 1000} s`)));
    const conn = { socket, reader: new SocketReader(socket), who };
    const served = serveSender(conn).then(
      () => socket.writableEnded || socket.end(),
      (err: unknown) => {
        // A peer that breaks the protocol gets one ERROR frame and is closed. The server,
        // and every other sender, go on.
        log(`${who}: ${(err as Error).message}; closing`);
        closeAfter(socket, encodeMessage({ type: 'error', text: (err as Error).message }));
      },
    );
    // Said last, once the socket is closed and its file has been dealt with.
    socket.on('close', () => void served.then(() => log(`${who} disconnected`)));
  });
  server.on('error', (err) => log(`server error: ${err.message}`));

  // Partials of senders that never came back are removed after a while, at start and hourly.
  const keepMs = opts.keepPartialMs ?? KEEP_PARTIAL_MS;
  const sweep = () =>
    sweepPartials(opts.dir, keepMs, new Set([...busy].map(partialName))).then(
      (gone) =>
        gone.length && log(`removed ${gone.length} stale partial file(s): ${gone.join(', ')}`),
      (err: unknown) => log(`cannot sweep ${opts.dir}: ${describeFsError(err)}`),
    );
  void sweep();
  const sweeper = setInterval(sweep, Math.min(keepMs, 3600_000)).unref();
  server.on('close', () => clearInterval(sweeper));

  /** One connection: the preamble, then offers until the sender ends. */
  async function serveSender(conn: Connection): Promise<'closing' | undefined> {
    const hello = await conn.reader.readExactly(PREAMBLE_BYTES);
    if (!hello) return; // connected and left without a word
    // Ours goes first either way: a peer that speaks another version learns which we speak,
    // then reads the ERROR frame that follows if we cannot talk.
    conn.socket.write(encodePreamble());
    checkPreamble(hello);
    for (;;) {
      const offer = await readMessage(conn.reader, 'offer', true);
      if (!offer) return; // FIN between two files: a clean goodbye, not an error
      if ((await receiveFile(conn, offer)) === 'closing') return 'closing';
    }
  }

  /** One file: check the offer, agree on where to start, stream, verify, rename. */
  async function receiveFile(
    conn: Connection,
    offer: Extract<Message, { type: 'offer' }>,
  ): Promise<'closing' | undefined> {
    const { socket, who } = conn;
    const answer = (code: ResultCode, text: string): undefined => {
      // Refused from the offer; or failed (a bad digest, a disk error), and the text says how.
      const failed = code === 'bad-digest' || code === 'disk-error';
      const what = `${failed ? '' : 'refused '}${JSON.stringify(offer.name)}`;
      if (code !== 'saved') log(`${who}: ${what}: ${text}`);
      socket.write(encodeMessage({ type: 'result', code, text }));
    };
    // 1. Everything that can be refused is refused here, before a byte is written.
    const checked = sanitizeName(offer.name);
    if (!checked.ok) return answer('bad-name', checked.reason);
    const { name } = checked;
    if (opts.maxSize && offer.size > opts.maxSize) {
      return answer('too-large', `${formatBytes(offer.size)} is over --max-size ${opts.maxSize}`);
    }
    const final = pathInside(opts.dir, name);
    if (!opts.overwrite && (await exists(final))) {
      return answer('exists', `${name} already exists (the receiver needs --overwrite)`);
    }
    if (busy.has(name)) return answer('busy', `another sender is sending ${name} right now`);
    busy.add(name);
    let partial: Partial;
    try {
      partial = await openPartial(opts.dir, name);
    } catch (err) {
      busy.delete(name);
      return answer('disk-error', `cannot write ${name}: ${describeFsError(err)}`);
    }
    try {
      return await receiveInto(conn, offer, name, final, partial, answer);
    } finally {
      await partial.handle.close().catch(() => {});
      busy.delete(name);
    }
  }

  async function receiveInto(
    conn: Connection,
    offer: Extract<Message, { type: 'offer' }>,
    name: string,
    final: string,
    partial: Partial,
    answer: (code: ResultCode, text: string) => undefined,
  ): Promise<'closing' | undefined> {
    const { socket, reader, who } = conn;
    // 2. Resume. We may hold the start of this file from an earlier, cut transfer. We say how
    // much, with its digest; the sender hashes the same prefix of its file and decides. A
    // name alone proves nothing: it may be another file, or bytes that arrived damaged.
    let hasher: Hasher = createHasher(offer.hash);
    let held = partial.heldBytes <= offer.size && offer.hash !== 'none' ? partial.heldBytes : 0;
    if (held > 0) await hashPrefix(partial.handle, held, [hasher]);
    const prefixDigest = held > 0 ? hasher.digest() : Buffer.alloc(0);
    socket.write(encodeMessage({ type: 'accept', offset: held, prefixDigest }));
    const start = await readMessage(reader, 'start');
    if (start.offset !== held && start.offset !== 0) {
      throw new ProtocolError(`start at ${start.offset}: the offer was ${held} or 0`);
    }
    if (start.offset === 0 && held > 0) {
      log(`${who}: the ${formatBytes(held)} held of ${name} are not a prefix of it; starting over`);
      hasher = createHasher(offer.hash);
    }
    held = start.offset;
    await partial.handle.truncate(held);
    const resumed = held > 0 ? `, resuming at ${formatBytes(held)}` : '';
    log(`${who}: receiving ${name} (${formatBytes(offer.size)}, ${offer.hash}${resumed})`);

    // 3. The bytes: exactly size - offset of them, hashed on the way to the disk. pipeline()
    // waits for 'drain' when the disk is slower than the network; the reader then stops
    // reading the socket, and TCP slows the sender down. Memory stays flat.
    const began = performance.now();
    let cut: ShortReadError | undefined;
    let sinceCollect = 0;
    async function* fileBytes() {
      try {
        for await (const chunk of reader.readStream(offer.size - held)) {
          hasher.update(chunk);
          held += chunk.length;
          sinceCollect += chunk.length;
          if (sinceCollect >= COLLECT_EVERY_BYTES) {
            sinceCollect = 0;
            globalThis.gc?.({ type: 'minor' });
          }
          opts.onProgress?.(name, held);
          yield chunk;
        }
      } catch (err) {
        if (!(err instanceof ShortReadError)) throw err;
        cut = err; // the sender is gone: end the file normally, so what arrived is kept
      }
    }
    // The stream owns the file handle from here and closes it at the end (after an fsync with
    // --fsync, so a power cut cannot leave a renamed but empty file).
    const out = partial.handle.createWriteStream({
      start: held,
      highWaterMark: WRITE_BUFFER_BYTES,
      flush: opts.fsync === true,
    });
    try {
      await pipeline(fileBytes, out);
      if (!out.closed) await once(out, 'close');
    } catch (err) {
      if (err instanceof FrameError || err instanceof ProtocolError) throw err;
      await fs.rm(partial.path, { force: true });
      log(`${who}: cannot write ${name}: ${describeFsError(err)}; deleted the partial file`);
      closeAfter(socket, result('disk-error', `cannot write ${name}: ${describeFsError(err)}`));
      return 'closing';
    }
    // 4. The sender's digest. A sender that vanished before it leaves a resumable partial.
    const done = cut ? null : await readMessage(reader, 'done', true).catch(keepShortRead);
    if (!done) {
      log(
        `${who}: connection lost after ${formatBytes(held)} of ${name} (${formatBytes(offer.size)}); ` +
          `kept ${partialName(name)} for resume`,
      );
      socket.end();
      return 'closing';
    }
    if (done.digest.length !== DIGEST_BYTES[offer.hash]) {
      throw new ProtocolError(`a ${offer.hash} digest of ${done.digest.length} bytes`);
    }
    const ours = hasher.digest();
    if (!ours.equals(done.digest)) {
      await fs.rm(partial.path, { force: true });
      return answer(
        'bad-digest',
        `${offer.hash} of the bytes received is ${ours.toString('hex')}, the sender's is ` +
          `${done.digest.toString('hex')}: damaged in flight; nothing kept`,
      );
    }
    // 5. Into place, atomically; never over an existing file without --overwrite.
    const placed = await commitPartial(partial.path, final, opts.overwrite === true).catch(
      (err: unknown) => err as Error,
    );
    if (placed !== true) {
      await fs.rm(partial.path, { force: true });
      return placed === false
        ? answer('exists', `${name} appeared while it was being received`)
        : answer('disk-error', `cannot save ${name}: ${describeFsError(placed)}`);
    }
    const seconds = (performance.now() - began) / 1000;
    const how = offer.hash === 'none' ? 'size checked, not verified' : `${offer.hash} verified`;
    const sentAs = name === offer.name ? '' : `, sent as ${JSON.stringify(offer.name)}`;
    const got = offer.size - start.offset;
    const rate = got >= 1024 * 1024 ? `, ${formatRate(got, seconds)}` : '';
    log(`${who}: saved ${name}${sentAs} (${offer.size} bytes, ${how}${rate})`);
    if (offer.hash !== 'none') log(sumLine(offer.hash, ours, path.join(opts.dir, name)));
    answer('saved', name);
  }

  return server;
}

/** The next message, which must be of type `type`; null at a clean end when `endOk`. */
async function readMessage<T extends Message['type']>(
  reader: SocketReader,
  type: T,
  endOk: true,
): Promise<Extract<Message, { type: T }> | null>;
async function readMessage<T extends Message['type']>(
  reader: SocketReader,
  type: T,
): Promise<Extract<Message, { type: T }>>;
async function readMessage(reader: SocketReader, type: Message['type'], endOk = false) {
  const frame = await reader.readFrame(MAX_CONTROL_FRAME_BYTES);
  if (!frame) {
    if (endOk) return null;
    throw new FrameError('FRAME_TRUNCATED', `connection closed while waiting for ${type}`, 1);
  }
  const msg = decodeMessage(frame);
  if (msg.type !== type) throw new ProtocolError(`expected ${type}, got ${msg.type}`);
  return msg;
}

// A connection cut before DONE is a lost sender, not a protocol error.
function keepShortRead(err: unknown): null {
  if (err instanceof ShortReadError) return null;
  if (err instanceof FrameError && err.code === 'FRAME_TRUNCATED') return null;
  throw err;
}

function result(code: ResultCode, text: string): Buffer {
  return encodeMessage({ type: 'result', code, text });
}

/**
 * Sends a last frame and ends our side, then reads and drops whatever the sender still sends
 * for a while, so that our answer is read instead of lost in a reset.
 */
function closeAfter(socket: net.Socket, frame: Buffer): void {
  socket.end(frame);
  socket.removeAllListeners('data');
  socket.on('data', () => {});
  socket.resume();
  socket.setTimeout(LINGER_MS, () => socket.destroy());
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}
