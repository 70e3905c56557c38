// One file on the receiving side, from its offer to the answer, in five steps: refuse what
// can be refused before a byte is written; agree with the sender on where to start (resume);
// stream the bytes into a hidden partial file, hashing them on the way; compare digests; rename
// into place. The connection around it (many files, many senders) is in receiver.ts.
import { once } from 'node:events';
import fs from 'node:fs/promises';
import type net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FrameError } from '@socket-lab/common';
import { createHasher, type Hasher, sumLine } from './digest.js';
import { partialName, pathInside, sanitizeName } from './names.js';
import {
  DIGEST_BYTES,
  decodeMessage,
  encodeMessage,
  MAX_CONTROL_FRAME_BYTES,
  type Message,
  ProtocolError,
  type ResultCode,
} from './protocol.js';
import { ShortReadError, type SocketReader } from './reader.js';
import type { ReceiverOptions } from './receiver.js';
import { commitPartial, hashPrefix, openPartial, type Partial } from './store.js';
import { describeFsError, formatBytes, formatRate } from './units.js';

/** 1 MiB written to disk at a time: large writes, flat memory. */
const WRITE_BUFFER_BYTES = 1024 * 1024;
/**
 * 2 MiB of file bytes between two young-generation collections, when the process runs with
 * --expose-gc (as `pnpm start` does). Node 20 gives every read of an accepted socket a new
 * 64 KiB buffer. Each is garbage once written, but V8 frees such memory only at its next
 * collection and lets up to 64 MB of it pile up first. A scavenge is cheap (the young
 * generation is a few MB) and frees them: the receiver then peaks ~20 MB lower (measured).
 * Without the flag this does nothing, and memory is still flat whatever the file size.
 */
const COLLECT_EVERY_BYTES = 2 * 1024 * 1024;
/**
 * 5 s: after a fatal answer, how long we go on reading (and dropping) what the sender still
 * sends, so that it reads our answer instead of a reset.
 */
const LINGER_MS = 5000;

/** One sender's connection. */
export interface Connection {
  socket: net.Socket;
  reader: SocketReader;
  who: string;
}

/** What every file of every connection shares: the options, the log, the names in use. */
export interface ReceiveContext {
  opts: ReceiverOptions;
  log: (line: string) => void;
  /** Names being received right now: one sender each. */
  busy: Set<string>;
}

/** One file: check the offer, agree on where to start, stream, verify, rename. */
export async function receiveFile(
  ctx: ReceiveContext,
  conn: Connection,
  offer: Extract<Message, { type: 'offer' }>,
): Promise<'closing' | undefined> {
  const { opts, log, busy } = ctx;
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
    return await receiveInto(ctx, conn, offer, name, final, partial, answer);
  } finally {
    await partial.handle.close().catch(() => {});
    // An offer that never got a byte leaves nothing worth resuming.
    const left = await fs.lstat(partial.path).catch(() => null);
    if (left?.isFile() && left.size === 0) await fs.rm(partial.path, { force: true });
    busy.delete(name);
  }
}

async function receiveInto(
  { opts, log }: ReceiveContext,
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

/** The next message, which must be of type `type`; null at a clean end when `endOk`. */
export async function readMessage<T extends Message['type']>(
  reader: SocketReader,
  type: T,
  endOk: true,
): Promise<Extract<Message, { type: T }> | null>;
export async function readMessage<T extends Message['type']>(
  reader: SocketReader,
  type: T,
): Promise<Extract<Message, { type: T }>>;
export async function readMessage(reader: SocketReader, type: Message['type'], endOk = false) {
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
export function closeAfter(socket: net.Socket, frame: Buffer): void {
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
