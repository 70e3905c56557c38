// Start here. Receiving one file, seed 001 done right. The seed appends every recv(1024) to a
// file called `file` until one read is exactly `quit`: it cannot tell where a file ends,
// whether it arrived whole, or keep a name from escaping its folder. Here each file comes in
// six steps, numbered below in the order they happen: 1. the OFFER (name, size, hash);
// 2. refusals, before a byte is written; 3. a hidden partial file, and resume; 4. the bytes,
// hashed on their way to the disk; 5. the digests compared; 6. the atomic rename, and the
// RESULT. The connection around it (many senders, preambles, timeouts) is receiver.ts.
// Run: pnpm --filter file-transfer start      Then: pnpm --filter file-transfer client FILE
import fs from 'node:fs/promises';
import path from 'node:path';
import { ShortReadError } from '@socket-lab/common';
import { type Connection, nullIfCut } from './connection.js';
import { createHasher, hashPrefix, sumLine } from './digest.js';
import { partialName, pathInside, sanitizeName } from './names.js';
import { checkStart, DIGEST_BYTES, ProtocolError, type ResultCode } from './protocol.js';
import { closePartial, commitPartial, exists, openPartial, type PartialLimit } from './store.js';
import { describeFsError, formatBytes, formatRate, quoted } from './units.js';

/** The receiver's rules for each file, and where it reports. */
export interface ReceiveOptions {
  dir: string; // where files are saved (it must exist)
  overwrite: boolean; // replace an existing file (otherwise it is refused)
  maxSize?: number; // the largest file accepted, in bytes; 0 or absent: no limit
  fsync?: boolean; // flush each file to disk before the rename (a power cut cannot empty it)
  busy: Set<string>; // names being received right now, by any connection: one sender each
  partials?: PartialLimit; // at most this many partial files (--max-partials)
  log: (line: string) => void;
  onProgress?: (name: string, heldBytes: number) => void; // as file bytes arrive
}

/** After a file: the 'next' one, or the sender 'ended' cleanly, or this one is 'closing'. */
export type AfterFile = 'next' | 'ended' | 'closing';

/** Receives the next file on `conn`, from OFFER to RESULT; throws on a broken protocol. */
export async function receiveFile(conn: Connection, opts: ReceiveOptions): Promise<AfterFile> {
  // 1. The offer. A FIN here, between two files, is a clean goodbye, not an error.
  const offer = await conn.read('offer', true);
  if (!offer) return 'ended';
  const say = (line: string) => opts.log(`${conn.who}: ${line}`);
  const answer = (code: ResultCode, text: string) => {
    const refused = code === 'bad-digest' || code === 'disk-error' ? '' : 'refused ';
    if (code !== 'saved') say(`${refused}${quoted(offer.name)}: ${text}`);
    conn.send({ type: 'result', code, text });
    return 'next' as const;
  };

  // 2. Everything that can be refused is refused now, before a byte is written.
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
  if (opts.busy.has(name)) return answer('busy', `another sender is sending ${name} right now`);

  // 3. The partial file, and resume. It may hold the start of this file from a cut transfer.
  // We say how much, with its digest; the sender hashes the same prefix of its own file and
  // decides. A name alone proves nothing: it may be another file, or bytes that came damaged.
  opts.busy.add(name);
  const partial = await openPartial(opts.dir, name, opts.partials).catch((err: Error) => err);
  try {
    if (partial instanceof Error) {
      return answer('disk-error', `cannot write ${name}: ${describeFsError(partial)}`);
    }
    let hasher = createHasher(offer.hash);
    let held = partial.heldBytes <= offer.size && offer.hash !== 'none' ? partial.heldBytes : 0;
    if (held > 0) await hashPrefix(partial.handle, held, hasher);
    const prefixDigest = held > 0 ? hasher.digest() : Buffer.alloc(0);
    conn.send({ type: 'accept', offset: held, prefixDigest });
    const start = await conn.read('start');
    checkStart(start.offset, held, name); // resume at `held`, or start over at 0
    if (start.offset === 0 && held > 0) {
      say(`the ${formatBytes(held)} held of ${name} are not a prefix of it; starting over`);
      hasher = createHasher(offer.hash);
    }
    held = start.offset;
    await partial.handle.truncate(held);
    const resumed = held > 0 ? `, resuming at ${formatBytes(held)}` : '';
    say(`receiving ${name} (${formatBytes(offer.size)}, ${offer.hash}${resumed})`);

    // 4. The bytes: exactly size - offset of them, counted and hashed, never looked into. Each
    // chunk is on disk before we take the next: when the disk is slower than the network, the
    // reader's window fills, it stops reading the socket, and TCP slows the sender down.
    const began = performance.now();
    let cut = false;
    try {
      for await (const chunk of conn.reader.readStream(offer.size - held)) {
        hasher.update(chunk);
        await partial.handle.write(chunk, 0, chunk.length, held);
        held += chunk.length;
        opts.onProgress?.(name, held);
      }
      if (opts.fsync) await partial.handle.sync();
    } catch (err) {
      if (!(err instanceof ShortReadError)) {
        await fs.rm(partial.path, { force: true });
        const why = `cannot write ${name}: ${describeFsError(err)}`;
        say(`${why}; deleted the partial file`);
        conn.endWith({ type: 'result', code: 'disk-error', text: why });
        return 'closing';
      }
      cut = true; // the sender is gone; what arrived stays, for a resume
    }

    // 5. The sender's digest. A sender that vanished before it leaves a resumable partial.
    const done = cut ? null : await conn.read('done', true).catch(nullIfCut);
    if (!done) {
      const where = `${formatBytes(held)} of ${name} (${formatBytes(offer.size)})`;
      await closePartial(partial); // free for a resume before we say so: one may come at once
      opts.busy.delete(name);
      say(`connection lost after ${where}; kept ${partialName(name)} for resume`);
      conn.socket.end();
      return 'closing';
    }
    if (done.digest.length !== DIGEST_BYTES[offer.hash]) {
      throw new ProtocolError(`a ${offer.hash} digest of ${done.digest.length} bytes`);
    }
    const ours = hasher.digest();
    if (!ours.equals(done.digest)) {
      await fs.rm(partial.path, { force: true });
      const [mine, theirs] = [ours, done.digest].map((d) => d.toString('hex'));
      const why = `${offer.hash} of the bytes received is ${mine}, the sender's is ${theirs}`;
      return answer('bad-digest', `${why}: damaged in flight; nothing kept`);
    }

    // 6. Into place, atomically; never over an existing file without --overwrite.
    const placed = await commitPartial(partial.path, final, opts.overwrite).catch((e: Error) => e);
    if (placed !== true) {
      await fs.rm(partial.path, { force: true });
      return placed === false
        ? answer('exists', `${name} appeared while it was being received`)
        : answer('disk-error', `cannot save ${name}: ${describeFsError(placed)}`);
    }
    const how = offer.hash === 'none' ? 'size checked, not verified' : `${offer.hash} verified`;
    const sentAs = name === offer.name ? '' : `, sent as ${quoted(offer.name)}`;
    const got = offer.size - start.offset; // a small file's rate says little: it is round trips
    const seconds = (performance.now() - began) / 1000;
    const rate = got >= 1024 * 1024 ? `, ${formatRate(got, seconds)}` : '';
    say(`saved ${name}${sentAs} (${offer.size} bytes, ${how}${rate})`);
    if (offer.hash !== 'none') opts.log(sumLine(offer.hash, ours, path.join(opts.dir, name)));
    return answer('saved', name);
  } finally {
    if (!(partial instanceof Error)) await closePartial(partial);
    opts.busy.delete(name);
  }
}
